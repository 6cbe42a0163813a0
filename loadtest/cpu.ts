import { readdirSync, readFileSync } from 'node:fs';

/**
 * Who used the machine's CPU during a run, read from /proc (Linux): each process's user + system
 * ticks at the start and at the end, grouped by what it is. A process that exits between the two
 * readings is not counted, one that starts is counted from zero. Elsewhere: empty.
 */
export type CpuGroups = Record<string, number>;

const TICKS_PER_SECOND = 100;

function processTicks(): Map<number, { name: string; ticks: number }> {
  const out = new Map<number, { name: string; ticks: number }>();
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return out;
  }
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const name = stat.slice(stat.indexOf('(') + 1, close);
      const fields = stat.slice(close + 2).split(' ');
      // fields[0] is the state (field 3): utime and stime are fields 14 and 15.
      out.set(Number(pid), { name, ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/**
 * Starts a reading; `stop()` returns the cores each group used on average over the interval
 * (1.0 = one core busy the whole time). `named` labels particular processes (the service, the
 * generator); the rest are grouped by their command name (postgres, java, redis-server...).
 */
export function cpuReading(named: Record<string, number | undefined> = {}) {
  const started = performance.now();
  const before = processTicks();
  const labels = new Map<number, string>();
  for (const [label, pid] of Object.entries(named)) if (pid) labels.set(pid, label);
  return {
    stop(): { seconds: number; cores: CpuGroups } {
      const seconds = (performance.now() - started) / 1000;
      const after = processTicks();
      const ticks: Record<string, number> = {};
      for (const [pid, { name, ticks: t }] of after) {
        const used = t - (before.get(pid)?.ticks ?? 0);
        if (used <= 0) continue;
        const group = labels.get(pid) ?? (name === 'node' ? 'other node' : name);
        ticks[group] = (ticks[group] ?? 0) + used;
      }
      const cores = Object.fromEntries(
        Object.entries(ticks)
          .map(([g, t]) => [g, Math.round((t / TICKS_PER_SECOND / Math.max(seconds, 0.001)) * 100) / 100])
          .filter(([, c]) => (c as number) >= 0.01)
          .sort((a, b) => (b[1] as number) - (a[1] as number)),
      );
      return { seconds, cores };
    },
  };
}

export const cpuLine = (cores: CpuGroups) =>
  Object.entries(cores)
    .map(([g, c]) => `${g} ${c.toFixed(2)}`)
    .join(', ');
