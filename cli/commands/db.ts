import type { Command } from 'commander';
import { DEMO_PASSWORD, type SeedPhase, seedDemoStore } from '../../seeds/demo-store.js';
import {
  AUTOVACUUM_OFF,
  autovacuumOff,
  databaseName,
  ensureDatabase,
  migrateLatest,
  rollbackAll,
} from '../../src/db/index.js';
import { retentionRules } from '../../src/jobs/index.js';
import { hashPassword } from '../../src/users/index.js';
import { CliError, type GlobalOptions, print, printText, withContainer } from '../context.js';
import { table } from '../format.js';
import { nonNegativeInteger } from '../options.js';
import { progressBar } from '../progress.js';

// Only names that say what they are. The bare default "shop" is not on the list: it is the
// production default too, so resetting it takes --force.
const SAFE_TO_RESET = /(^|[_-])(dev|development|test|demo|local)($|[_-])/;

const SEED_PHASES: Record<SeedPhase, string> = {
  indexes: 'building indexes and checking foreign keys',
  vacuum: 'vacuuming',
};

const megabytes = (bytes: number) =>
  bytes < 1_048_576 ? `${Math.ceil(bytes / 1_024)} kB` : `${(bytes / 1_048_576).toFixed(1)} MB`;

export function registerDbCommands(program: Command) {
  const db = program.command('db').description('database schema and demo data');

  db.command('migrate')
    .description('create the database if missing and apply pending migrations')
    .addHelpText(
      'after',
      '\nExample:\n  DATABASE_URL=postgres://postgres@127.0.0.1:5432/shop shopctl db migrate',
    )
    .action(async (_opts: unknown, cmd: Command) => {
      const { json } = cmd.optsWithGlobals<GlobalOptions>();
      await withContainer(async (c) => {
        await ensureDatabase(c.config.db.url);
        const applied = await migrateLatest(c.db);
        print(json, { applied }, () =>
          applied.length ? `applied: ${applied.join(', ')}` : 'already up to date',
        );
      });
    });

  db.command('rollback')
    .description('undo migrations (the last batch, or all with --all)')
    .option('--all', 'undo every migration')
    .addHelpText('after', '\nExamples:\n  shopctl db rollback\n  shopctl db rollback --all')
    .action(async (opts: { all?: boolean }, cmd: Command) => {
      const { json } = cmd.optsWithGlobals<GlobalOptions>();
      await withContainer(async (c) => {
        const [, undone] = opts.all
          ? [0, await rollbackAll(c.db)]
          : ((await c.db.migrate.rollback()) as [number, string[]]);
        print(json, { undone }, () =>
          undone.length ? `rolled back: ${undone.join(', ')}` : 'nothing to roll back',
        );
      });
    });

  db.command('seed')
    .description('load the demo store (idempotent: existing SKUs are kept)')
    .option('--products <n>', 'number of products', nonNegativeInteger(), 10_000)
    .addHelpText('after', '\nExamples:\n  shopctl db seed\n  shopctl db seed --products 1000000')
    .action(async ({ products }: { products: number }, cmd: Command) => {
      const { json } = cmd.optsWithGlobals<GlobalOptions>();
      await withContainer(async (c) => {
        if (c.config.env === 'production') {
          throw new CliError(
            `refusing to seed the demo store with NODE_ENV=production: its users have a published password ("${DEMO_PASSWORD}")`,
          );
        }
        await ensureDatabase(c.config.db.url);
        await migrateLatest(c.db);
        const bar = json ? null : progressBar('products');
        bar?.start(products, 0);
        const started = Date.now();
        const result = await seedDemoStore(c.db, {
          products,
          hashPassword,
          onProgress: (done) => bar?.update(done),
          // A bulk load has work left after its last row (index builds, VACUUM): say so on stderr
          // rather than sit at 100%.
          onPhase: (phase) => {
            if (!bar) return;
            bar.stop();
            printText(`${SEED_PHASES[phase]}…`);
          },
        });
        bar?.stop();
        print(
          json,
          { ...result, ms: Date.now() - started },
          () =>
            `seeded ${result.products} products and ${result.users} demo users in ${Date.now() - started} ms (password "${DEMO_PASSWORD}")`,
        );
      });
    });

  db.command('retention')
    .description("every table's retention rule, its size on disk and how many rows are past the rule now")
    .addHelpText(
      'after',
      '\nThe background jobs apply the rules (hourly; the order archive daily), once across the fleet.\nA table listed with "(no rule)" grows without one.\n\nExample:\n  shopctl db retention --json',
    )
    .action(async (_opts: unknown, cmd: Command) => {
      const { json } = cmd.optsWithGlobals<GlobalOptions>();
      await withContainer(async (c) => {
        const rules = retentionRules(c);
        const { rows: tables } = await c.db.raw<{ rows: { table: string; bytes: number; rows: number }[] }>(
          `SELECT c.relname AS table, pg_total_relation_size(c.oid) AS bytes, greatest(c.reltuples, 0)::bigint AS rows
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition
              AND c.relname NOT LIKE 'knex\\_%'`,
        );
        const size = new Map(tables.map((t) => [t.table, t]));
        const listed = [
          ...(await Promise.all(
            rules.map(async (r) => ({
              table: r.table,
              rule: r.rule,
              bytes: size.get(r.table)?.bytes ?? null,
              estimated_rows: size.get(r.table)?.rows ?? null,
              due: await r.due(c.db),
            })),
          )),
          ...tables
            .filter((t) => !rules.some((r) => r.table === t.table))
            .sort((a, b) => a.table.localeCompare(b.table))
            .map((t) => ({ table: t.table, rule: null, bytes: t.bytes, estimated_rows: t.rows, due: null })),
        ];
        print(json, listed, () =>
          table(
            listed,
            [
              ['TABLE', (r) => r.table],
              ['SIZE', (r) => (r.bytes === null ? '-' : megabytes(r.bytes))],
              ['ROWS~', (r) => r.estimated_rows ?? '-'],
              ['DUE', (r) => r.due ?? '-'],
              ['RULE', (r) => r.rule ?? '(no rule)'],
            ],
            200,
          ),
        );
        if (await autovacuumOff(c.db)) process.stderr.write(`warning: ${AUTOVACUUM_OFF}\n`);
      });
    });

  db.command('reset')
    .description('drop every table and migrate again (destroys all data)')
    .option('--yes', 'confirm: destroys all data')
    .addHelpText(
      'after',
      '\nRefuses without --yes, and without --force unless the database name has a dev, test, demo or local\npart (shop_dev, shop-test) and NODE_ENV is not production.\n\nExample:\n  $ shopctl db reset --yes',
    )
    .option('--force', 'allow a database whose name does not look like dev/test/demo')
    .action(async (opts: { yes?: boolean; force?: boolean }, cmd: Command) => {
      const { json } = cmd.optsWithGlobals<GlobalOptions>();
      await withContainer(async (c) => {
        const name = databaseName(c.config.db.url);
        if (!opts.yes) throw new CliError(`refusing to reset "${name}" without --yes`);
        if (!opts.force && (c.config.env === 'production' || !SAFE_TO_RESET.test(name))) {
          throw new CliError(
            c.config.env === 'production'
              ? `NODE_ENV is production; add --force if you really mean to reset "${name}"`
              : `"${name}" does not look like a dev or test database (its name has no dev/test/demo/local part); add --force if you mean it`,
          );
        }
        const undone = await rollbackAll(c.db);
        const applied = await migrateLatest(c.db);
        print(
          json,
          { database: name, undone, applied },
          () => `reset ${name}: ${applied.length} migrations applied`,
        );
      });
    });
}
