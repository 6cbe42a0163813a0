import { Command, CommanderError } from 'commander';
import { ConfigError } from '../src/config.js';
import { DomainError } from '../src/shared/errors.js';
import { registerCartCommands } from './commands/carts.js';
import { registerDbCommands } from './commands/db.js';
import { registerUserCommands } from './commands/users.js';
import { CliError } from './context.js';

export function buildProgram(): Command {
  const program = new Command()
    .name('shopctl')
    .description('Shop admin and on-call tool: catalog, inventory, prices, orders, audits.')
    .option('--json', 'print machine-readable JSON')
    .showHelpAfterError()
    .exitOverride();
  registerDbCommands(program);
  registerUserCommands(program);
  registerCartCommands(program);
  return program;
}

/** Runs shopctl and returns the exit code (0 success, 1 failure, 2 usage error). */
export async function run(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof CliError) {
      process.stderr.write(`error: ${err.message}\n`);
      return err.exitCode;
    }
    if (err instanceof DomainError || err instanceof ConfigError) {
      process.stderr.write(`error: ${err.message}\n`);
      return 1;
    }
    process.stderr.write(`error: ${(err as Error).stack ?? err}\n`);
    return 1;
  }
}
