import type { Command } from 'commander';
import { CliError, type GlobalOptions, print, withContainer } from '../context.js';

// Zero is refused: "--older-than 0d" would delete every active cart, including ones in use right now.
const DURATION = /^([1-9]\d*)(m|h|d)$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

export function parseAge(raw: string): number {
  const match = DURATION.exec(raw);
  if (!match) throw new CliError(`--older-than must look like 30d, 12h or 90m, got "${raw}"`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

export function registerCartCommands(program: Command) {
  const carts = program.command('carts').description('shopping carts');
  const globals = () => program.opts<GlobalOptions>();

  carts
    .command('purge')
    .description('delete carts untouched for a while (converted carts are kept with their orders)')
    .option('--older-than <age>', 'age such as 30d, 12h', '30d')
    .addHelpText('after', '\nExample:\n  shopctl carts purge --older-than 30d')
    .action(async (opts: { olderThan: string }) => {
      const ms = parseAge(opts.olderThan);
      await withContainer(async (c) => {
        const deleted = await c.cart.purgeStaleCarts(ms);
        print(
          globals().json,
          { deleted },
          () => `deleted ${deleted} cart(s) untouched for ${opts.olderThan}`,
        );
      });
    });
}
