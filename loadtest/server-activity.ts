import { readdir, readFile } from 'node:fs/promises';
import type { Db } from '../src/db/index.js';

/**
 * What the database server and the machine did, second by second, beside a long load test: the
 * vacuums running (autovacuum's or anyone's: table, phase, progress), checkpoints, WAL written, and
 * the kernel's dirty page cache and disk writes. Read beside each sale's per-second checkout p99,
 * it says what was running in the seconds that went past the budget.
 */
export interface ActivitySample {
  /** Epoch ms. */
  at: number;
  vacuums: { table: string; phase: string; auto: boolean; heapPct: number; indexPasses: number }[];
  /** Orders the archive (a DELETE FROM orders, or its reads) was working on at the sample: its query's start. */
  archiveQuery: string | null;
  walMb: number;
  checkpointBuffers: number;
  checkpointSyncMs: number;
  checkpoints: number;
  /** The kernel's dirty and under-writeback page cache (MB), and what the disks wrote (MB) since the last sample. */
  dirtyMb: number;
  writebackMb: number;
  diskWriteMb: number;
  /** Share of the CPU time since the last sample spent waiting on I/O, and busy (user + system). */
  iowait: number;
  busy: number;
  /** Cores used since the last sample, by program (postgres, node, redis-server, beam.smp …). */
  cpuBy: Record<string, number>;
  /** The database's client backends running a query at the sample, by the query's first words. */
  active: Record<string, number>;
  /** Running totals at the sample (differences between two samples say what was done between them). */
  totals: BlockTotals;
}

/**
 * Buffer traffic so far: blocks found in shared buffers and read from the kernel, dirty buffers a
 * backend had to write itself to get a free one (and those the background writer and checkpointer
 * wrote), commits, and blocks touched per table (heap and indexes, found or read).
 */
export interface BlockTotals {
  hit: number;
  read: number;
  commits: number;
  backendWrites: number;
  cleanerWrites: number;
  checkpointWrites: number;
  tables: Record<string, number>;
}

async function blockTotals(db: Db): Promise<BlockTotals> {
  const { rows: dbs } = await db.raw<{ rows: { hit: string; read: string; commits: string }[] }>(
    `SELECT blks_hit AS hit, blks_read AS read, xact_commit AS commits
       FROM pg_stat_database WHERE datname = current_database()`,
  );
  const { rows: bg } = await db.raw<{ rows: { backend: string; clean: string; checkpoint: string }[] }>(
    'SELECT buffers_backend AS backend, buffers_clean AS clean, buffers_checkpoint AS checkpoint FROM pg_stat_bgwriter',
  );
  const { rows: tables } = await db.raw<{ rows: { name: string; blocks: string }[] }>(
    `SELECT relname AS name,
            coalesce(heap_blks_hit, 0) + coalesce(heap_blks_read, 0)
              + coalesce(idx_blks_hit, 0) + coalesce(idx_blks_read, 0) AS blocks
       FROM pg_statio_user_tables`,
  );
  return {
    hit: Number(dbs[0]?.hit ?? 0),
    read: Number(dbs[0]?.read ?? 0),
    commits: Number(dbs[0]?.commits ?? 0),
    backendWrites: Number(bg[0]?.backend ?? 0),
    cleanerWrites: Number(bg[0]?.clean ?? 0),
    checkpointWrites: Number(bg[0]?.checkpoint ?? 0),
    tables: Object.fromEntries(tables.map((t) => [t.name, Number(t.blocks)])),
  };
}

/** What was done between two running totals: the counters' differences, tables by blocks touched. */
export function blocksBetween(a: BlockTotals, b: BlockTotals, top = 8) {
  return {
    hit: b.hit - a.hit,
    read: b.read - a.read,
    commits: b.commits - a.commits,
    backendWrites: b.backendWrites - a.backendWrites,
    cleanerWrites: b.cleanerWrites - a.cleanerWrites,
    checkpointWrites: b.checkpointWrites - a.checkpointWrites,
    tables: Object.entries(b.tables)
      .map(([name, n]) => [name, n - (a.tables[name] ?? 0)] as const)
      .filter(([, n]) => n > 0)
      .sort(([, x], [, y]) => y - x)
      .slice(0, top),
  };
}

/** CPU jiffies (user + system) used so far by each program, summed over its processes. */
async function cpuByProgram(): Promise<Map<string, number>> {
  const by = new Map<string, number>();
  const pids = (await readdir('/proc').catch(() => [] as string[])).filter((d) => /^\d+$/.test(d));
  for (const pid of pids) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    const close = stat.lastIndexOf(')');
    if (close < 0) continue;
    // A kernel worker's name changes with the work it picks up: they are counted as one.
    const comm = stat.slice(stat.indexOf('(') + 1, close).replace(/^kworker\/.*/, 'kworker');
    const f = stat.slice(close + 2).split(' ');
    // Fields 14 and 15 (utime, stime) are the 12th and 13th after the command.
    const used = Number(f[11] ?? 0) + Number(f[12] ?? 0);
    by.set(comm, (by.get(comm) ?? 0) + used);
  }
  return by;
}

async function meminfo() {
  const text = await readFile('/proc/meminfo', 'utf8').catch(() => '');
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return { dirtyMb: kb('Dirty') / 1024, writebackMb: kb('Writeback') / 1024 };
}

/** Sectors written by whole disks (not partitions), and the CPU's jiffies. */
async function counters() {
  const disks = await readFile('/proc/diskstats', 'utf8').catch(() => '');
  let sectors = 0;
  for (const line of disks.split('\n')) {
    const f = line.trim().split(/\s+/);
    const name = f[2] ?? '';
    if (/^(vd|sd|xvd)[a-z]+$|^nvme\d+n\d+$/.test(name)) sectors += Number(f[9] ?? 0);
  }
  const stat = await readFile('/proc/stat', 'utf8').catch(() => '');
  const cpu = (stat.split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = cpu;
  return {
    writtenMb: (sectors * 512) / 1048576,
    busy: user + nice + system + irq + softirq + steal,
    iowait,
    total: user + nice + system + idle + iowait + irq + softirq + steal,
  };
}

/** Cores used by each program between two readings `ms` apart (USER_HZ is 100 on Linux), the busy ones. */
function cpuShares(
  before: Map<string, number>,
  after: Map<string, number>,
  ms: number,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [comm, used] of after) {
    const cores = (used - (before.get(comm) ?? 0)) / 100 / (ms / 1_000);
    if (cores >= 0.05) out[comm] = Math.round(cores * 100) / 100;
  }
  return out;
}

export function sampleServerActivity(db: Db, everyMs = 1_000) {
  const samples: ActivitySample[] = [];
  let stopped = false;
  const loop = (async () => {
    let last: { wal: number; buffers: number; sync: number; checkpoints: number } | null = null;
    let lastCounters = await counters();
    let lastCpu = await cpuByProgram();
    while (!stopped) {
      const at = Date.now();
      try {
        const { rows: vacuums } = await db.raw<{
          rows: { table: string; phase: string; auto: boolean; heap_pct: number; passes: number }[];
        }>(
          `SELECT p.relid::regclass::text AS table, p.phase, a.query LIKE 'autovacuum:%' AS auto,
                  round(100.0 * p.heap_blks_scanned / greatest(p.heap_blks_total, 1))::int AS heap_pct,
                  p.index_vacuum_count::int AS passes
             FROM pg_stat_progress_vacuum p JOIN pg_stat_activity a USING (pid)`,
        );
        const { rows: archive } = await db.raw<{ rows: { q: string }[] }>(
          `SELECT left(regexp_replace(query, '\\s+', ' ', 'g'), 60) AS q FROM pg_stat_activity
            WHERE state = 'active' AND pid <> pg_backend_pid()
              AND (query LIKE 'DELETE FROM orders%' OR query LIKE '%FOR UPDATE OF o SKIP LOCKED%'
                   OR query LIKE '%jsonb_build_object(%''items''%')
            LIMIT 1`,
        );
        const { rows: server } = await db.raw<{
          rows: { wal: string; buffers: string; sync: string; checkpoints: string }[];
        }>(
          `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint AS wal,
                  buffers_checkpoint AS buffers, checkpoint_sync_time AS sync,
                  checkpoints_timed + checkpoints_req AS checkpoints
             FROM pg_stat_bgwriter`,
        );
        const now = {
          wal: Number(server[0]!.wal),
          buffers: Number(server[0]!.buffers),
          sync: Number(server[0]!.sync),
          checkpoints: Number(server[0]!.checkpoints),
        };
        const { rows: active } = await db.raw<{ rows: { q: string; n: number }[] }>(
          `SELECT left(regexp_replace(query, '\\s+', ' ', 'g'), 70) AS q, count(*)::int AS n
             FROM pg_stat_activity
            WHERE state = 'active' AND backend_type = 'client backend' AND pid <> pg_backend_pid()
            GROUP BY 1`,
        );
        const totals = await blockTotals(db);
        const cpu = await cpuByProgram();
        const c = await counters();
        const mem = await meminfo();
        const jiffies = Math.max(1, c.total - lastCounters.total);
        if (last) {
          samples.push({
            at,
            vacuums: vacuums.map((v) => ({
              table: v.table,
              phase: v.phase,
              auto: v.auto,
              heapPct: v.heap_pct,
              indexPasses: v.passes,
            })),
            archiveQuery: archive[0]?.q ?? null,
            walMb: Math.round(((now.wal - last.wal) / 1048576) * 10) / 10,
            checkpointBuffers: now.buffers - last.buffers,
            checkpointSyncMs: now.sync - last.sync,
            checkpoints: now.checkpoints - last.checkpoints,
            dirtyMb: Math.round(mem.dirtyMb),
            writebackMb: Math.round(mem.writebackMb),
            diskWriteMb: Math.round((c.writtenMb - lastCounters.writtenMb) * 10) / 10,
            iowait: Math.round(((c.iowait - lastCounters.iowait) / jiffies) * 100) / 100,
            busy: Math.round(((c.busy - lastCounters.busy) / jiffies) * 100) / 100,
            cpuBy: cpuShares(lastCpu, cpu, at - (samples.at(-1)?.at ?? at - everyMs)),
            active: Object.fromEntries(active.map((a) => [a.q, a.n])),
            totals,
          });
        }
        last = now;
        lastCounters = c;
        lastCpu = cpu;
      } catch {
        // A sample lost to a busy server is a gap in the timeline, not a failed run.
      }
      await new Promise((r) => setTimeout(r, Math.max(0, everyMs - (Date.now() - at))));
    }
  })();
  return {
    /** The samples so far. */
    samples: () => samples,
    async stop(): Promise<ActivitySample[]> {
      stopped = true;
      await loop;
      return samples;
    },
  };
}

/** One line per second of a sale whose checkout p99 went past the budget, with what ran then. */
export function slowSeconds(
  timeline: { second: number; responses: number; p99: number }[],
  fireStartedAt: number,
  samples: ActivitySample[],
  budgetMs: number,
): string[] {
  return timeline
    .filter((t) => t.p99 > budgetMs)
    .map((t) => {
      const at = fireStartedAt + t.second * 1_000;
      const s = samples.find((x) => x.at >= at && x.at < at + 1_500) ?? null;
      const what = s
        ? [
            s.vacuums
              .map((v) => `${v.auto ? 'auto' : ''}vacuum ${v.table} ${v.phase} ${v.heapPct}%`)
              .join(', ') || 'no vacuum',
            s.archiveQuery ? `archive: ${s.archiveQuery}` : null,
            `wal ${s.walMb} MB`,
            s.checkpointBuffers || s.checkpointSyncMs
              ? `checkpoint ${s.checkpointBuffers} buf ${s.checkpointSyncMs} ms sync`
              : null,
            `dirty ${s.dirtyMb} MB, writeback ${s.writebackMb} MB, disk ${s.diskWriteMb} MB, iowait ${s.iowait}, busy ${s.busy}`,
            `cores ${Object.entries(s.cpuBy)
              .map(([k, v]) => `${k} ${v}`)
              .join(', ')}`,
          ]
            .filter(Boolean)
            .join('; ')
        : 'no sample';
      return `  second ${t.second}: ${t.responses} answers, p99 ${Math.round(t.p99)} ms: ${what}`;
    });
}

/**
 * What ran through a sale's seconds: cores used by each program on average, the vacuums seen, and
 * the queries most often found running (samples that saw each, summed over the backends).
 */
export function duringSale(from: number, to: number, samples: ActivitySample[]) {
  const within = samples.filter((s) => s.at > from && s.at <= to + 1_000);
  const cores: Record<string, number> = {};
  const queries: Record<string, number> = {};
  const vacuums = new Set<string>();
  for (const s of within) {
    for (const [comm, c] of Object.entries(s.cpuBy)) cores[comm] = (cores[comm] ?? 0) + c / within.length;
    for (const [q, n] of Object.entries(s.active)) queries[q] = (queries[q] ?? 0) + n;
    for (const v of s.vacuums) vacuums.add(`${v.auto ? 'auto' : ''}vacuum ${v.table}`);
  }
  const round = (n: number) => Math.round(n * 100) / 100;
  const first = within[0];
  const last = within.at(-1);
  return {
    seconds: within.length,
    blocks: first && last ? blocksBetween(first.totals, last.totals) : null,
    cores: Object.fromEntries(
      Object.entries(cores)
        .sort(([, a], [, b]) => b - a)
        .map(([k, v]) => [k, round(v)]),
    ),
    vacuums: [...vacuums],
    topQueries: Object.entries(queries)
      .sort(([, a], [, b]) => b - a)
      .slice(0, 8),
  };
}

/** One line for a sale's buffer traffic (blocksBetween), thousands of blocks. */
export function blocksLine(b: ReturnType<typeof blocksBetween> | null): string {
  if (!b) return 'blocks: no samples';
  const k = (n: number) => `${Math.round(n / 100) / 10}k`;
  return (
    `blocks ${k(b.hit)} found, ${k(b.read)} read; ${k(b.commits)} commits; dirty buffers written by backends ${k(b.backendWrites)}, ` +
    `bgwriter ${k(b.cleanerWrites)}, checkpointer ${k(b.checkpointWrites)}; by table ${b.tables.map(([t, n]) => `${t} ${k(n)}`).join(', ')}`
  );
}
