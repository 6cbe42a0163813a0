import inquirer from 'inquirer';
import { auditOversell, reconcileStock } from './commands/audit.js';
import { changeInventory, showInventory } from './commands/inventory.js';
import { setPrice } from './commands/prices.js';
import { releaseExpired } from './commands/reservations.js';
import { runTopCommand } from './commands/top.js';
import { CliError, reportError } from './context.js';
import { amountInCents, signedInteger } from './options.js';

const required = (field: string) => (value: string) => value.trim() !== '' || `${field} is required`;
const valid = (check: (value: string) => unknown) => (value: string) => {
  try {
    check(value);
    return true;
  } catch (err) {
    return (err as Error).message;
  }
};

async function ask(message: string, validate: (value: string) => true | string = required('a value')) {
  const { value } = await inquirer.prompt<{ value: string }>([
    { type: 'input', name: 'value', message, validate },
  ]);
  return value.trim();
}

/** Each entry gathers its arguments, then calls the very function its shopctl command runs. */
const ACTIONS: Record<string, { label: string; run: () => Promise<void> }> = {
  show: {
    label: 'Show inventory',
    run: async () => showInventory(await ask('SKU:', required('SKU'))),
  },
  adjust: {
    label: 'Adjust inventory',
    run: async () => {
      const sku = await ask('SKU:', required('SKU'));
      const delta = await ask('Change (+n or -n):', valid(signedInteger));
      const reason = await ask('Reason:', required('a reason'));
      await changeInventory({ sku, mode: 'adjust', quantity: signedInteger(delta) }, reason);
    },
  },
  price: {
    label: 'Set a price',
    run: async () => {
      const sku = await ask('SKU:', required('SKU'));
      const amount = await ask('New price (such as 12.99):', valid(amountInCents));
      await setPrice(sku, amountInCents(amount), undefined);
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
        const { fix } = await inquirer.prompt<{ fix: boolean }>([
          { type: 'confirm', name: 'fix', message: 'Repair this drift now?', default: false },
        ]);
        if (fix) await reconcileStock(true);
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
      ({ choice } = await inquirer.prompt<{ choice: string }>([
        {
          type: 'select',
          name: 'choice',
          message: 'What do you want to do?',
          choices: [
            ...Object.entries(ACTIONS).map(([value, a]) => ({ value, name: a.label })),
            { value: 'quit', name: 'Quit' },
          ],
        },
      ]));
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
