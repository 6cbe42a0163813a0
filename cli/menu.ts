import { auditOversell, reconcileStock } from './commands/audit.js';
import { changeInventory, showInventory } from './commands/inventory.js';
import { setPrice } from './commands/prices.js';
import { releaseExpired } from './commands/reservations.js';
import { runTopCommand } from './commands/top.js';
import { CliError, reportError } from './context.js';
import { amountInCents, signedInteger } from './options.js';
import { ask, choose, confirm, text } from './prompt.js';

/** Each entry gathers its arguments, then calls the very function its shopctl command runs. */
const ACTIONS: Record<string, { label: string; run: () => Promise<void> }> = {
  show: {
    label: 'Show inventory',
    run: async () => showInventory(await ask('SKU:', text('SKU'))),
  },
  adjust: {
    label: 'Adjust inventory',
    run: async () => {
      const sku = await ask('SKU:', text('SKU'));
      const delta = await ask('Change (+n or -n):', signedInteger);
      const reason = await ask('Reason:', text('a reason'));
      await changeInventory({ sku, mode: 'adjust', quantity: delta }, reason);
    },
  },
  price: {
    label: 'Set a price',
    run: async () => {
      const sku = await ask('SKU:', text('SKU'));
      const cents = await ask('New price (such as 12.99):', amountInCents);
      await setPrice(sku, cents, undefined);
    },
  },
  audit: { label: 'Audit: check the invariants', run: () => auditOversell() },
  reconcile: {
    label: 'Reconcile: find drift (asks before fixing)',
    run: async () => {
      try {
        await reconcileStock(false);
      } catch (err) {
        // Only "drift found" (already printed) leads to the question; real failures are reported.
        if (!(err instanceof CliError) || err.message) throw err;
        if (await confirm('Repair this drift now?')) await reconcileStock(true);
      }
    },
  },
  release: { label: 'Release expired reservations', run: () => releaseExpired() },
  top: { label: 'Live console (q comes back here)', run: async () => void (await runTopCommand({})) },
};

/**
 * `shopctl` alone in a terminal. Errors are printed as the commands print them and the menu goes
 * on; Quit (or Ctrl-C) leaves with 0.
 */
export async function runMenu(): Promise<number> {
  for (;;) {
    let choice: string;
    try {
      choice = await choose('What do you want to do?', [
        ...Object.entries(ACTIONS).map(([value, a]) => ({ value, name: a.label })),
        { value: 'quit', name: 'Quit' },
      ]);
    } catch (err) {
      if ((err as Error)?.name === 'ExitPromptError') return 0;
      throw err;
    }
    if (choice === 'quit') return 0;
    try {
      await ACTIONS[choice]!.run();
    } catch (err) {
      if ((err as Error)?.name === 'ExitPromptError') return 0;
      reportError(err);
    }
    process.stdout.write('\n');
  }
}
