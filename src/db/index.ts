import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import knex, { type Knex } from 'knex';
import pg from 'pg';

// COUNT(*) and bigint ids come back as strings by default; every value we store fits in 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number.parseInt(v, 10));

export type Db = Knex;
export type Trx = Knex.Transaction;

const here = path.dirname(fileURLToPath(import.meta.url));
const runningFromSource = import.meta.url.endsWith('.ts');
const extension = runningFromSource ? '.ts' : '.js';

/** Migrations and seeds live at the project root, next to src/ (or dist/src/ once built). */
const migrationsDir = path.resolve(here, '../../migrations');

/**
 * Each migration is recorded under its source name (`…_catalog.ts`) whether the TypeScript or
 * its compiled JavaScript runs, so one database can be migrated from source (`npm start`,
 * `shopctl db migrate`) and served by the build (`npm run start:prod`), or the other way round:
 * knex's own file loader records the file it ran, and each side then finds the other's missing.
 */
const migrationSource: Knex.MigrationSource<string> = {
  async getMigrations() {
    return (await readdir(migrationsDir)).filter((file) => file.endsWith(extension)).sort();
  },
  getMigrationName: (file) => `${path.basename(file, extension)}.ts`,
  getMigration: (file) => import(pathToFileURL(path.join(migrationsDir, file)).href),
};

export const migrationConfig: Knex.MigratorConfig = { migrationSource, tableName: 'knex_migrations' };

export function knexConfig(url: string, poolMax = 10): Knex.Config {
  return {
    client: 'pg',
    connection: { connectionString: url, application_name: 'shop' },
    pool: { min: 0, max: poolMax },
    migrations: migrationConfig,
    seeds: {
      directory: path.resolve(here, '../../seeds'),
      loadExtensions: [extension],
    },
  };
}

export function createDb(url: string, poolMax = 10): Db {
  return knex(knexConfig(url, poolMax));
}

export function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
}

export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(name)}`;
  return u.toString();
}

export const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Connects to the server's maintenance database to run `fn` (CREATE/DROP DATABASE cannot run inside the target). */
export async function withMaintenance<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: withDatabase(url, 'postgres') });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function ensureDatabase(url: string): Promise<boolean> {
  const name = databaseName(url);
  return withMaintenance(url, async (client) => {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount) return false;
    try {
      await client.query(`CREATE DATABASE ${quoteIdent(name)}`);
    } catch (err) {
      // Two processes starting together may race to create it: the loser sees it exist (42P04),
      // or, when both passed the check at once, the catalog's unique index (23505).
      const code = (err as { code?: string }).code;
      if (code !== '42P04' && code !== '23505') throw err;
      return false;
    }
    return true;
  });
}

/** Migrations not applied yet, by name. */
export async function pendingMigrations(db: Db): Promise<string[]> {
  const [, pending] = (await db.migrate.list(migrationConfig)) as [unknown[], { file: string }[]];
  return pending.map((m) => m.file);
}

/** The advisory lock migrations run under (any constant: it only has to be the same in every process). */
export const MIGRATION_LOCK_KEY = 0x5340_0001;

/** How often a process waiting for an advisory lock tries again. */
const LOCK_RETRY_MS = 200;

/**
 * Runs `fn` holding a session advisory lock taken on a connection of its own, so `fn` may use the
 * pool freely (and open its own transactions). Other processes asking for the same key wait;
 * the lock goes with the connection if the process dies.
 *
 * They wait by trying again every LOCK_RETRY_MS, not in `pg_advisory_lock`: a statement blocked
 * there keeps its snapshot open, and a migration that builds an index CONCURRENTLY waits for
 * every older snapshot to end, so the holder and the waiters would wait on each other for ever
 * (four processes starting together hung so). A try ends at once and holds nothing.
 */
export async function withAdvisoryLock<T>(db: Db, key: number, fn: () => Promise<T>): Promise<T> {
  const given = (db.client.config as Knex.Config).connection as string | pg.ClientConfig;
  const connection = typeof given === 'string' ? { connectionString: given } : given;
  const client = new pg.Client({ ...connection, application_name: 'shop-lock' });
  await client.connect();
  try {
    for (;;) {
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [
        key,
      ]);
      if (rows[0]?.locked) break;
      await new Promise((resolve) => setTimeout(resolve, LOCK_RETRY_MS));
    }
    return await fn();
  } finally {
    await client.end();
  }
}

/**
 * `withAdvisoryLock` for work that must not queue behind another run of itself: null at once
 * (`fn` not run) when another session holds the key.
 */
export async function withTryAdvisoryLock<T>(db: Db, key: number, fn: () => Promise<T>): Promise<T | null> {
  const given = (db.client.config as Knex.Config).connection as string | pg.ClientConfig;
  const connection = typeof given === 'string' ? { connectionString: given } : given;
  const client = new pg.Client({ ...connection, application_name: 'shop-lock' });
  await client.connect();
  try {
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [
      key,
    ]);
    return rows[0]?.locked ? await fn() : null;
  } finally {
    await client.end();
  }
}

/**
 * Knex's own migration lock is a row it takes without waiting: of N processes starting together,
 * all but one would throw "Migration table is already locked". Under this lock they queue
 * instead, and each after the first finds nothing left to apply.
 */
export async function migrateLatest(db: Db): Promise<string[]> {
  return withAdvisoryLock(db, MIGRATION_LOCK_KEY, async () => {
    const [, applied] = (await db.migrate.latest(migrationConfig)) as [number, string[]];
    return applied;
  });
}

export async function rollbackAll(db: Db): Promise<string[]> {
  const [, undone] = (await db.migrate.rollback(migrationConfig, true)) as [number, string[]];
  return undone;
}

/** Binds a JS array as one PostgreSQL array parameter (for unnest/ANY); knex's types reject arrays holding nulls. */
export const pgArray = (values: readonly unknown[]): Knex.Value => values as unknown as Knex.Value;

/**
 * Why a server with autovacuum off is a fault: nothing reclaims dead rows (every order status
 * change leaves one) and the planner's statistics are never gathered, so a hot query planned for
 * a table it believes empty scans the whole table once the table has grown. Seen on a server with
 * it off: the checkout's cart read hashed all 162,000 cart lines ever written for every batch of
 * 150 carts (71 ms of table scan, where the index answers in under 1 ms), and sales run one after
 * another on that database grew their checkout p99 from 581 ms to 1.7 s.
 */
export const AUTOVACUUM_OFF =
  "autovacuum is off on this PostgreSQL server: dead rows are never reclaimed and the planner's statistics go stale, so hot queries turn into table scans as tables grow. Turn it on (autovacuum = on) in production.";

/** Whether the server's autovacuum is off (see AUTOVACUUM_OFF). */
export async function autovacuumOff(db: Db): Promise<boolean> {
  const { rows } = await db.raw<{ rows: { autovacuum: string }[] }>('SHOW autovacuum');
  return rows[0]?.autovacuum !== 'on';
}
