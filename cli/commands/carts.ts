import { type Command, Option } from 'commander';
import { type GlobalOptions, print, withContainer } from '../context.js';
import { type Age, age } from '../options.js';

export function registerCartCommands(program: Command) {
  const carts = program.command('carts').description('shopping carts');

  carts
    .command('purge')
    .description('delete carts untouched for a while (converted carts are kept with their orders)')
    .addOption(
      new Option('--older-than <age>', 'age such as 30d, 12h or 90m')
        .argParser(age)
        .default(age('30d'), '30d'),
    )
    .addHelpText('after', '\nExample:\n  shopctl carts purge --older-than 30d')
    .action(async (opts: { olderThan: Age }, cmd: Command) => {
      const { json } = cmd.optsWithGlobals<GlobalOptions>();
      await withContainer(async (c) => {
        const deleted = await c.cart.purgeStaleCarts(opts.olderThan.ms);
        print(json, { deleted }, () => `deleted ${deleted} cart(s) untouched for ${opts.olderThan.text}`);
      });
    });
}
