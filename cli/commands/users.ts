import type { Command } from 'commander';
import { roleSchema } from '../../src/users/index.js';
import { CliError, type GlobalOptions, print, withContainer } from '../context.js';

export function registerUserCommands(program: Command) {
  const users = program.command('users').description('accounts and API tokens');

  users
    .command('token <email>')
    .description('mint a new API token for a user (tokens are stored hashed, so old ones cannot be shown)')
    .addHelpText('after', '\nExample:\n  shopctl users token admin@shop.test')
    .action(async (email: string, _opts: unknown, cmd: Command) => {
      const { json } = cmd.optsWithGlobals<GlobalOptions>();
      await withContainer(async (c) => {
        const result = await c.users.tokenFor(email.toLowerCase());
        print(json, result, () => result.token);
      });
    });

  users
    .command('create <email>')
    .description('create a user (without a password: sign in with a token from `users token`)')
    .option('--role <role>', 'customer or admin', 'customer')
    .option('--name <name>', 'display name')
    .addHelpText('after', '\nExample:\n  shopctl users create ops@shop.test --role admin --name "On-call"')
    .action(async (email: string, opts: { role: string; name?: string }, cmd: Command) => {
      const { json } = cmd.optsWithGlobals<GlobalOptions>();
      const role = roleSchema.safeParse(opts.role);
      if (!role.success) throw new CliError('--role must be customer or admin');
      await withContainer(async (c) => {
        const user = await c.users.createUser({
          email: email.toLowerCase(),
          role: role.data,
          name: opts.name,
        });
        print(
          json,
          { id: user.id, email: user.email, role: user.role },
          () => `created ${user.email} (${user.role}) ${user.id}`,
        );
      });
    });

  users
    .command('revoke <email>')
    .description('end every session of a user: all their API tokens stop working at once')
    .addHelpText('after', '\nExample:\n  shopctl users revoke mallory@example.com')
    .action(async (email: string, _opts: unknown, cmd: Command) => {
      const { json } = cmd.optsWithGlobals<GlobalOptions>();
      await withContainer(async (c) => {
        const result = await c.users.revokeAll(email.toLowerCase());
        print(json, result, () => `${result.email}: ${result.revoked} token(s) revoked`);
      });
    });

  users
    .command('list')
    .description('list users')
    .addHelpText('after', '\nExample:\n  shopctl users list --json')
    .action(async (_opts: unknown, cmd: Command) => {
      const { json } = cmd.optsWithGlobals<GlobalOptions>();
      await withContainer(async (c) => {
        const rows = await c.users.list();
        print(json, rows, () =>
          rows.map((u) => `${u.email.padEnd(32)} ${u.role.padEnd(9)} ${u.id}`).join('\n'),
        );
      });
    });
}
