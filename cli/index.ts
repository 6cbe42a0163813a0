import { Command } from 'commander';
import { registerAuditCommands } from './commands/audit.js';
import { registerCartCommands } from './commands/carts.js';
import { registerDbCommands } from './commands/db.js';
import { registerEventCommands } from './commands/events.js';
import { registerInventoryCommands } from './commands/inventory.js';
import { registerOrderCommands } from './commands/orders.js';
import { registerPaymentCommands } from './commands/payments.js';
import { registerPriceCommands } from './commands/prices.js';
import { registerProductCommands } from './commands/products.js';
import { registerRecommendationCommands } from './commands/recommendations.js';
import { registerReservationCommands } from './commands/reservations.js';
import { registerSearchCommands } from './commands/search.js';
import { registerTopCommands } from './commands/top.js';
import { registerUserCommands } from './commands/users.js';
import { registerWorkerCommands } from './commands/worker.js';
import { reportError } from './context.js';
import { forTerminal } from './format.js';
import { runMenu } from './menu.js';
import { canPrompt } from './prompt.js';

export function buildProgram(): Command {
  const program = new Command()
    .name('shopctl')
    .description('Shop admin and on-call tool: catalog, inventory, prices, orders, audits.')
    .option('--json', 'print machine-readable JSON on stdout (progress and errors go to stderr)')
    .configureHelp({ showGlobalOptions: true })
    // Commander's own messages quote the command line, which a script may build from data.
    .configureOutput({
      writeOut: (text) => process.stdout.write(forTerminal(text)),
      writeErr: (text) => process.stderr.write(forTerminal(text)),
    })
    .showHelpAfterError()
    .exitOverride()
    .addHelpText(
      'after',
      `
Environment: DATABASE_URL, REDIS_URL (and REDIS_PREFIX) as for the server; SHOPCTL_ACTOR names you
in the ledger and audit log (default: your OS user), recorded as cli:<name>.

Run without a command in a terminal for an interactive menu. Without a terminal (cron, CI, pipes),
shopctl never prompts: with no command it prints this help on stderr and exits 2.

Exit codes: 0 success, 1 failure (or a check that found a problem), 2 usage error.

Examples:
  $ shopctl inventory show KIT-0001
  $ shopctl inventory adjust KIT-0001 -2 --reason damaged
  $ shopctl price bulk --category kitchen --percent -10 --dry-run
  $ shopctl audit oversell --json`,
    );
  registerProductCommands(program);
  registerInventoryCommands(program);
  registerPriceCommands(program);
  registerReservationCommands(program);
  registerOrderCommands(program);
  registerPaymentCommands(program);
  registerEventCommands(program);
  registerSearchCommands(program);
  registerRecommendationCommands(program);
  registerWorkerCommands(program);
  registerTopCommands(program);
  registerAuditCommands(program);
  registerUserCommands(program);
  registerDbCommands(program);
  registerCartCommands(program);
  return program;
}

/** Runs shopctl and returns the exit code (0 success, 1 failure, 2 usage error). */
export async function run(argv: string[]): Promise<number> {
  if (argv.length <= 2) {
    // The menu asks on stderr and prints each command's result on stdout: a person must see both.
    if (canPrompt() && process.stdout.isTTY) return runMenu().catch(reportError);
    buildProgram().outputHelp({ error: true });
    return 2;
  }
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (err) {
    return reportError(err);
  }
}
