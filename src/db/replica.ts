import knex from 'knex';
import type { Logger } from 'pino';
import { type Db, knexConfig } from './index.js';

/** up: reads may go to the replica; lagging: past the bound; down: unreachable, or not this primary's copy. */
export type ReplicaStatus = 'up' | 'lagging' | 'down';

/** Why a read that could have gone to the replica went to the primary. */
export type PrimaryReason = 'down' | 'lagging' | 'behind_write' | 'error';

export interface ReadsObserver {
  lag(seconds: number): void;
  up(up: boolean): void;
  read(target: 'replica' | 'primary', reason: PrimaryReason | ''): void;
}

/**
 * Where reads that may trail the primary run: the replica while it answers within the lag bound,
 * else the primary. Without a replica every read runs on the primary, at no cost.
 */
export interface Reads {
  /**
   * Runs `read` on the replica when it is up, within the lag bound and has replayed the primary's
   * WAL up to `after` (a position from `position()`), else on the primary. A replica that fails
   * mid-read (stopped, connection lost, a recovery conflict) costs one retry on the primary, never
   * an error: `read` must be safe to run twice.
   */
  run<T>(read: (db: Db) => Promise<T>, after?: number | null): Promise<T>;
  /**
   * The primary's WAL position now (null without a replica). Taken after a commit and handed to
   * `run` as `after`, it sends a read to the primary until the replica holds that commit.
   */
  position(): Promise<number | null>;
  /** For /readyz: null without a replica. */
  status(): ReplicaStatus | null;
  /** Measures the replica now rather than at the next tick. */
  refresh(): Promise<void>;
  close(): Promise<void>;
}

export interface ReplicaOptions {
  url: string;
  poolMax: number;
  /** Past this lag, reads go to the primary. */
  maxLagMs: number;
}

/** A WAL position as a number of bytes: exact below 2^53 (8 PiB of WAL). */
const POSITION_SQL = `pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint`;

/** Failures of the replica rather than of the read: worth one retry on the primary. */
export function replicaFailure(err: unknown): boolean {
  const e = err as { code?: string; name?: string; message?: string } | null;
  if (!e) return false;
  const code = e.code ?? '';
  if (/^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN)$/.test(code)) return true;
  // connection_exception (08…), admin/crash shutdown and "cannot connect now" (57P01-03), too many
  // connections, and 40001: on a standby, a statement cancelled by a conflict with recovery.
  if (/^(08...|57P0[123]|53300|40001)$/.test(code)) return true;
  // A read in a transaction whose connection dropped: knex ends the transaction, and the next
  // statement in it fails with "already complete" rather than the connection's own error.
  return (
    e.name === 'KnexTimeoutError' ||
    /Connection terminated|connection error|Timeout acquiring a connection|Transaction query already complete/i.test(
      e.message ?? '',
    )
  );
}

/** The primary alone: what `Reads` is without DATABASE_REPLICA_URL. */
export function primaryReads(db: Db): Reads {
  return {
    run: (read) => read(db),
    position: async () => null,
    status: () => null,
    refresh: async () => {},
    close: async () => {},
  };
}

interface Sample {
  at: number;
  position: number;
}

/**
 * Reads on a streaming replica, measured every tick by WAL position rather than by timestamps: on
 * an idle primary `now() - pg_last_xact_replay_timestamp()` grows with nothing to replay. Each tick
 * records the primary's position with the time it was read (a short ring of them); the lag is how
 * long ago the newest recorded position the replica has replayed was read (0 once it has replayed
 * the newest). It is an upper bound, exact to one tick; ticks are a fifth of the bound (≤ 1 s) apart.
 */
export function createReplicaReads({
  primary,
  options,
  observer,
  logger,
}: {
  primary: Db;
  options: ReplicaOptions;
  observer: ReadsObserver;
  logger: Logger;
}): Reads {
  const replica = knex({
    ...knexConfig(options.url, options.poolMax),
    // A replica that does not answer must cost a shopper little before the primary takes the read.
    connection: { connectionString: options.url, application_name: 'shop', connectionTimeoutMillis: 1_000 },
    acquireConnectionTimeout: 2_000,
    // A replica down is the monitor's news (one line as it goes), not a stack trace per connection.
    log: {
      warn: (message: unknown) => logger.debug({ message }, 'replica pool'),
      error: (message: unknown) => logger.debug({ message }, 'replica pool'),
      deprecate: () => {},
      debug: () => {},
    },
  });
  const intervalMs = Math.min(1_000, Math.max(100, Math.round(options.maxLagMs / 5)));
  // Enough history to tell a lag several times the bound (the gauge and its alert), at least a minute.
  const windowMs = Math.max(60_000, 4 * options.maxLagMs);
  const samples: Sample[] = [];
  let primarySystem: string | null = null;
  let status: ReplicaStatus = 'down';
  let replayed: number | null = null;
  let closed = false;
  let measuring: Promise<void> | null = null;

  function settle(next: ReplicaStatus, lagMs: number | null, why?: string) {
    if (lagMs !== null) observer.lag(lagMs / 1_000);
    observer.up(next !== 'down');
    if (next === status) return;
    const was = status;
    status = next;
    if (next === 'up') logger.info({ was }, 'replica answers within the lag bound: browse reads from it');
    else logger.warn({ was, lag_ms: lagMs, reason: why }, `replica ${next}: browse reads from the primary`);
  }

  function lagOf(position: number, now: number): number {
    const newest = samples.at(-1);
    if (!newest || position >= newest.position) return 0;
    for (let i = samples.length - 1; i >= 0; i--)
      if (samples[i]!.position <= position) return now - samples[i]!.at;
    // Behind everything the ring holds: at least as old as its oldest.
    return now - samples[0]!.at;
  }

  async function measure() {
    try {
      const { rows } = await primary.raw<{ rows: { position: number; system: string }[] }>(
        `SELECT ${POSITION_SQL} AS position, (SELECT system_identifier::text FROM pg_control_system()) AS system`,
      );
      const at = Date.now();
      samples.push({ at, position: rows[0]!.position });
      while (samples.length > 1 && samples[0]!.at < at - windowMs) samples.shift();
      primarySystem = rows[0]!.system;
    } catch {
      // The primary unreadable: the samples so far still tell the replica's lag.
    }
    try {
      const { rows } = await replica.raw<{ rows: { position: number | null; system: string }[] }>(
        `SELECT CASE WHEN pg_is_in_recovery()
                     THEN pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0')
                     ELSE pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0') END::bigint AS position,
                (SELECT system_identifier::text FROM pg_control_system()) AS system`,
      );
      const row = rows[0]!;
      if (primarySystem !== null && row.system !== primarySystem) {
        replayed = null;
        settle('down', null, 'not a copy of the primary');
        return;
      }
      if (row.position === null) {
        replayed = null;
        settle('down', null, 'no WAL replayed yet');
        return;
      }
      replayed = row.position;
      const lagMs = lagOf(row.position, Date.now());
      settle(lagMs > options.maxLagMs ? 'lagging' : 'up', lagMs, 'lag past REPLICA_MAX_LAG');
    } catch (err) {
      replayed = null;
      settle('down', null, (err as Error).message);
    }
  }

  const refresh = () => {
    measuring ??= measure().finally(() => {
      measuring = null;
    });
    return measuring;
  };

  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    refresh().finally(() => {
      if (!closed) timer = setTimeout(tick, intervalMs).unref();
    });
  };
  observer.up(false);
  tick();

  return {
    async run(read, after) {
      const reason: PrimaryReason | null =
        status === 'down'
          ? 'down'
          : status === 'lagging'
            ? 'lagging'
            : after != null && (replayed === null || replayed < after)
              ? 'behind_write'
              : null;
      if (reason) {
        observer.read('primary', reason);
        return read(primary);
      }
      try {
        const result = await read(replica);
        observer.read('replica', '');
        return result;
      } catch (err) {
        if (!replicaFailure(err)) throw err;
        // Sent to the primary until the next tick finds the replica answering again.
        settle('down', null, (err as Error).message);
        observer.read('primary', 'error');
        return read(primary);
      }
    },
    async position() {
      const { rows } = await primary.raw<{ rows: { position: number }[] }>(
        `SELECT ${POSITION_SQL} AS position`,
      );
      return rows[0]!.position;
    },
    status: () => status,
    refresh,
    async close() {
      closed = true;
      clearTimeout(timer);
      await measuring?.catch(() => {});
      await replica.destroy();
    },
  };
}
