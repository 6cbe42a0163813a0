/**
 * A PostgreSQL streaming replica of the local primary, on this machine, for browse reads that may
 * trail it (DATABASE_REPLICA_URL):
 *
 *   npm run replica                       # start (creating it once): postgres://postgres@127.0.0.1:5433
 *   npm run replica -- status             # exit 1 unless it streams from the primary
 *   npm run replica -- stop
 *   npm run replica -- start --port 5434
 *
 * Debian's cluster tools make it (run as root, like pg_ctlcluster): `pg_createcluster <major>
 * replica`, its data directory replaced by `pg_basebackup -R -X stream` from the primary, then
 * `pg_ctlcluster start`. The primary needs a replication line in pg_hba.conf: added when missing
 * (and said so), then the configuration reloaded. A healthy replica is reused; one that does not
 * stream from this primary (another primary's copy, WAL it needs already recycled) is rebuilt.
 * Start returns once the replica has replayed what the primary had written when it was asked.
 * Physical replication copies the whole server: a database created on the primary (a test's
 * shop_test_…) is readable under the same name on the replica.
 *
 * No replication slot: a slot keeps WAL on the primary for as long as the replica is away, and a
 * replica forgotten on a laptop would fill its disk. A replica left behind is rebuilt instead.
 * test/integration/replica.test.ts drives it through the functions exported here.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';

export const CLUSTER = 'replica';
export const DEFAULT_PORT = 5433;
const PRIMARY = process.env.REPLICA_PRIMARY_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const HBA_LINE = 'host replication all 127.0.0.1/32 trust';
/** Settings a hot standby refuses to start with below the primary's own. */
const AT_LEAST_PRIMARY = [
  'max_connections',
  'max_worker_processes',
  'max_wal_senders',
  'max_prepared_transactions',
  'max_locks_per_transaction',
] as const;

export interface ReplicaOptions {
  port?: number;
  /** Progress lines (stdout by default). */
  say?: (line: string) => void;
  /** How long to wait for the replica to start and catch up. */
  timeoutMs?: number;
}

interface Cluster {
  version: number;
  cluster: string;
  port: string;
  running: number;
  pgdata: string;
}

/** Whether this machine can make a replica: Debian's cluster tools and pg_basebackup. */
export function replicaToolsPresent(): boolean {
  return ['pg_createcluster', 'pg_ctlcluster', 'pg_lsclusters', 'pg_basebackup'].every(onPath);
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? '')
    .split(path.delimiter)
    .some((dir) => dir && existsSync(path.join(dir, command)));
}

/** The URL the replica answers on, without a database: append one (`/shop`). */
export const replicaBaseUrl = (port = DEFAULT_PORT) => `postgres://postgres@127.0.0.1:${port}`;

function run(command: string, args: string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.status !== 0) {
    const output = `${result.stderr ?? ''}${result.stdout ?? ''}`.trim() || result.error?.message;
    throw new Error(`${command} ${args.join(' ')} failed: ${output}`);
  }
  return result.stdout;
}

function clusters(): Cluster[] {
  return JSON.parse(run('pg_lsclusters', ['--json']) || '[]') as Cluster[];
}

async function query<T>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The primary's major version and the settings its standby must match. */
async function primaryFacts() {
  const [facts] = await query<Record<(typeof AT_LEAST_PRIMARY)[number] | 'version_num' | 'system', string>>(
    PRIMARY,
    `SELECT current_setting('server_version_num') AS version_num,
            ${AT_LEAST_PRIMARY.map((s) => `current_setting('${s}') AS ${s}`).join(', ')},
            (SELECT system_identifier::text FROM pg_control_system()) AS system`,
  );
  return { ...facts!, major: Math.floor(Number(facts!.version_num) / 10_000) };
}

/** Adds the replication line to the primary's pg_hba.conf when no line allows it, and reloads. */
export async function allowReplication(say: (line: string) => void = log): Promise<void> {
  const [{ hba_file }] = (await query<{ hba_file: string }>(PRIMARY, 'SHOW hba_file')) as [
    { hba_file: string },
  ];
  const allowed = readFileSync(hba_file, 'utf8')
    .split('\n')
    .some((line) => /^\s*(host|local)\s+replication\s/.test(line));
  if (allowed) return;
  appendFileSync(hba_file, `\n# Streaming replicas on this machine (scripts/replica.ts)\n${HBA_LINE}\n`);
  await query(PRIMARY, 'SELECT pg_reload_conf()');
  say(`replica: added "${HBA_LINE}" to ${hba_file} and reloaded the primary's configuration`);
}

/** What the replica on `port` says about itself, or why it cannot say it. */
export async function replicaHealth(
  port = DEFAULT_PORT,
): Promise<{ ok: true; lagBytes: number } | { ok: false; reason: string }> {
  const system = (await primaryFacts()).system;
  try {
    const [row] = await query<{
      recovery: boolean;
      system: string;
      streaming: boolean;
      behind: string | null;
    }>(
      `${replicaBaseUrl(port)}/postgres`,
      `SELECT pg_is_in_recovery() AS recovery,
              (SELECT system_identifier::text FROM pg_control_system()) AS system,
              EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming') AS streaming,
              pg_wal_lsn_diff($1::pg_lsn, pg_last_wal_replay_lsn())::text AS behind`,
      [await primaryLsn()],
    );
    if (!row?.recovery) return { ok: false, reason: 'it is not in recovery (promoted, or not a standby)' };
    if (row.system !== system) return { ok: false, reason: 'it is a copy of another primary' };
    if (!row.streaming) return { ok: false, reason: 'it does not stream WAL from the primary' };
    return { ok: true, lagBytes: Math.max(0, Number(row.behind ?? 0)) };
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
}

async function primaryLsn(): Promise<string> {
  const [row] = await query<{ lsn: string }>(PRIMARY, 'SELECT pg_current_wal_lsn()::text AS lsn');
  return row!.lsn;
}

/**
 * Waits until the replica streams and has replayed the primary's WAL position as of now. A replica
 * that is behind but replaying (after a burst of writes on the primary, or a restart) is waited
 * for while it moves: it fails only when its replay stands still for `stallMs`, or past
 * `timeoutMs` in all. Rebuilding a lagging replica would copy the whole primary for nothing.
 */
async function waitCaughtUp(port: number, timeoutMs: number, stallMs = 20_000): Promise<void> {
  const target = await primaryLsn();
  const until = Date.now() + timeoutMs;
  let last = 'no answer yet';
  let replayed: string | null = null;
  let movedAt = Date.now();
  while (Date.now() < until && Date.now() - movedAt < stallMs) {
    try {
      const [row] = await query<{ recovery: boolean; done: boolean; streaming: boolean; at: string | null }>(
        `${replicaBaseUrl(port)}/postgres`,
        `SELECT pg_is_in_recovery() AS recovery,
                coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false) AS done,
                EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming') AS streaming,
                pg_last_wal_replay_lsn()::text AS at`,
        [target],
      );
      if (row?.recovery && row.done && row.streaming) return;
      if (row?.at && row.at !== replayed) {
        replayed = row.at;
        movedAt = Date.now();
      }
      last = row?.recovery ? `replayed ${row.at ?? 'nothing'}, short of ${target}` : 'not in recovery';
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(200);
  }
  const why = Date.now() >= until ? `within ${timeoutMs} ms` : `(its replay stood still for ${stallMs} ms)`;
  throw new Error(`the replica on port ${port} did not catch up ${why}: ${last}`);
}

function ctl(version: number, action: 'start' | 'stop', ...extra: string[]) {
  run('pg_ctlcluster', ['--skip-systemctl-redirect', String(version), CLUSTER, action, ...extra]);
}

/** Creates the replica from scratch: a new cluster whose data directory is a base backup of the primary. */
async function build(port: number, say: (line: string) => void): Promise<void> {
  const facts = await primaryFacts();
  const existing = clusters().find((c) => c.cluster === CLUSTER && c.version === facts.major);
  if (existing) {
    say(`replica: dropping the cluster ${facts.major}/${CLUSTER} to rebuild it`);
    run('pg_dropcluster', ['--stop', String(facts.major), CLUSTER]);
  }
  say(`replica: creating the cluster ${facts.major}/${CLUSTER} on port ${port}`);
  const settings = ['ssl=off', 'hot_standby=on', ...AT_LEAST_PRIMARY.map((s) => `${s}=${facts[s]}`)];
  run('pg_createcluster', [
    String(facts.major),
    CLUSTER,
    '--port',
    String(port),
    ...settings.flatMap((s) => ['-o', s]),
    // initdb's own options: the replica trusts local connections, as the primary here does.
    '--',
    '--auth=trust',
  ]);
  const created = clusters().find((c) => c.cluster === CLUSTER && c.version === facts.major);
  if (!created) throw new Error('pg_createcluster made no cluster');
  const datadir = created.pgdata;
  say(`replica: base backup of 127.0.0.1:5432 into ${datadir}`);
  run('find', [datadir, '-mindepth', '1', '-delete']);
  const primary = new URL(PRIMARY);
  run('pg_basebackup', [
    '-h',
    primary.hostname,
    '-p',
    primary.port || '5432',
    '-U',
    decodeURIComponent(primary.username || 'postgres'),
    '-D',
    datadir,
    '-R',
    '-X',
    'stream',
    '-c',
    'fast',
  ]);
  run('chown', ['-R', 'postgres:postgres', datadir]);
  run('chmod', ['700', datadir]);
}

/**
 * Starts the replica (creating or rebuilding it when it is missing or unhealthy) and waits until
 * it streams and has replayed the primary's current position. Returns its URL without a database.
 */
export async function ensureReplica({
  port = DEFAULT_PORT,
  say = log,
  timeoutMs = 60_000,
}: ReplicaOptions = {}): Promise<string> {
  if (!replicaToolsPresent())
    throw new Error('pg_createcluster, pg_ctlcluster and pg_basebackup are needed to make a replica');
  await allowReplication(say);
  const { major } = await primaryFacts();
  const existing = clusters().find((c) => c.cluster === CLUSTER && c.version === major);
  if (existing && Number(existing.port) === port) {
    try {
      if (!existing.running) {
        say(`replica: starting ${major}/${CLUSTER} on port ${port}`);
        ctl(major, 'start');
      }
      await waitCaughtUp(port, timeoutMs);
      say(`replica: streaming on port ${port} (${replicaBaseUrl(port)})`);
      return replicaBaseUrl(port);
    } catch (err) {
      say(`replica: the existing one is not usable (${(err as Error).message}); rebuilding it`);
    }
  }
  await build(port, say);
  ctl(major, 'start');
  await waitCaughtUp(port, timeoutMs);
  say(`replica: streaming on port ${port} (${replicaBaseUrl(port)})`);
  return replicaBaseUrl(port);
}

/** Stops the replica; `immediate` is a crash, as a host lost mid-run would be. */
export async function stopReplica(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
  const { major } = await primaryFacts();
  const existing = clusters().find((c) => c.cluster === CLUSTER && c.version === major);
  if (existing?.running) ctl(major, 'stop', '-m', mode);
}

function log(line: string) {
  process.stdout.write(`${line}\n`);
}

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { port: { type: 'string', default: String(DEFAULT_PORT) } },
  });
  const action = positionals[0] ?? 'start';
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 1 || port > 65_535)
    throw new Error(`--port: not a port: ${values.port}`);
  if (action === 'start') {
    const url = await ensureReplica({ port });
    log(`DATABASE_REPLICA_URL=${url}/shop (the primary's database name on the replica's port)`);
  } else if (action === 'stop') {
    await stopReplica();
    log('replica: stopped');
  } else if (action === 'status') {
    const health = await replicaHealth(port);
    if (health.ok)
      log(`replica: streaming on port ${port}, ${health.lagBytes} bytes of WAL behind the primary`);
    else {
      log(`replica: not usable on port ${port}: ${health.reason}`);
      process.exitCode = 1;
    }
  } else {
    throw new Error(`unknown command "${action}": start, stop or status`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((err: Error) => {
    process.stderr.write(`replica: ${err.message}\n`);
    process.exit(1);
  });
}
