import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import path from 'node:path';
import { createDb } from '../src/db/index.js';
import { INDEXED_EVENT_TYPES, indexLag } from '../src/search/index.js';
import { longTailMix, sampleCatalog } from './browse.js';
import { type CpuGroups, cpuReading } from './cpu.js';
import { fire, quantiles } from './fire.js';
import { dropRedisPrefix } from './scenario.js';
import { startServiceProcess } from './service.js';

/**
 * Operations on the search engine while shoppers browse: the long-tail mix at a fixed rate
 * against a service on an already-seeded database, with shell commands run at set moments of the
 * measured stream (a reindex, `kill -9` of the engine, product changes), the service's search
 * metrics sampled every 100 ms, and every answer kept (sent, answered, status) so that what a
 * shopper saw around each command can be told to the millisecond.
 */

export interface TimedStep {
  atSec: number;
  command: string;
}

export interface SearchOpsOptions {
  database: string;
  redisUrl: string;
  serviceEnv: Record<string, string>;
  rate: number;
  durationSec: number;
  warmupSec: number;
  steps: TimedStep[];
  /** After the stream: this command (e.g. restart the engine), then wait for the index to catch up. */
  after?: string;
  /** How long to wait after `after` for the engine, the breaker and a zero index lag. */
  afterWaitSec: number;
  opensearchUrl?: string;
  /** Where each command's output goes. */
  logDir: string;
}

interface Answer {
  scenario: string;
  status: number;
  sentAt: number;
  answeredAt: number;
}

interface MetricPoint {
  at: number;
  ok: boolean;
  fallbacks: number;
  fallbacksBy: Record<string, number>;
  backendUp: number | null;
}

export interface StepReport {
  command: string;
  /** Seconds into the measured stream. */
  startedSec: number;
  endedSec: number | null;
  exitCode: number | null;
  log: string;
  /** Answers sent while the command ran (up to the end of the stream). */
  during: Summary;
  /** Around its start: searches in flight at the start or sent in its first 5 s. */
  onset: {
    /** The longest any of them waited past the command's start (ms). */
    longestWaitPastStartMs: number;
    /** From the start to the first 200 answer to a search sent after it (ms). */
    firstSearchAnsweredMs: number | null;
    /** From the start to the first fallback the service counted, and to its breaker opening (ms). */
    firstFallbackMs: number | null;
    breakerOpenMs: number | null;
    notOk: Record<string, number>;
    /** 250 ms buckets from 1 s before to 3 s after: searches sent, their statuses and slowest answer. */
    buckets: { fromMs: number; sent: number; statuses: string; maxMs: number }[];
  };
}

interface Summary {
  answers: number;
  statuses: Record<string, number>;
  p50: number;
  p99: number;
  max: number;
}

function summary(answers: Answer[]): Summary {
  const statuses: Record<string, number> = {};
  for (const a of answers) statuses[a.status] = (statuses[a.status] ?? 0) + 1;
  return {
    answers: answers.length,
    statuses,
    ...quantiles(answers.map((a) => a.answeredAt - a.sentAt)),
  };
}

function parseMetrics(text: string): Omit<MetricPoint, 'at' | 'ok'> {
  const fallbacksBy: Record<string, number> = {};
  let backendUp: number | null = null;
  for (const line of text.split('\n')) {
    const fb = /^shop_search_fallbacks_total\{reason="([^"]+)"\} (\S+)/.exec(line);
    if (fb) fallbacksBy[fb[1]!] = Number(fb[2]);
    const up = /^shop_search_backend_up (\S+)/.exec(line);
    if (up) backendUp = Number(up[1]);
  }
  const fallbacks = Object.values(fallbacksBy).reduce((a, b) => a + b, 0);
  return { fallbacks, fallbacksBy, backendUp };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function runCommand(command: string, log: string): Promise<number | null> {
  const fd = openSync(log, 'a');
  const child = spawn('bash', ['-c', command], { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

async function engineHealthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/_cluster/health`, { signal: AbortSignal.timeout(1_000) });
    if (!res.ok) return false;
    const body = (await res.json()) as { status?: string };
    return body.status === 'green' || body.status === 'yellow';
  } catch {
    return false;
  }
}

export interface AfterReport {
  command: string;
  /** Seconds from the command's start: the engine healthy, the breaker closed, the lag back to 0. */
  engineHealthySec: number | null;
  breakerClosedSec: number | null;
  lagZeroSec: number | null;
  /** The largest lag and owed count seen meanwhile. */
  maxLagSec: number;
  maxOwed: number;
  lag: { sec: number; lagSec: number; owed: number; healthy: boolean; backendUp: number | null }[];
}

export interface SearchOpsReport {
  rate: number;
  durationSec: number;
  overall: Summary & { errors: number; timeouts: number; outcomes: Record<string, number> };
  cpu: CpuGroups;
  steps: StepReport[];
  /** Fallbacks the service counted during the measured stream, by reason (from /metrics). */
  fallbacksBy: Record<string, number>;
  after?: AfterReport;
  /** Searches answered per second with their statuses and p99, second by second. */
  timeline: { second: number; answers: number; statuses: string; p99: number; fallbacks: number }[];
}

export async function runSearchOps(opts: SearchOpsOptions): Promise<SearchOpsReport> {
  const prefix = `loadtest:search-ops:${randomUUID().slice(0, 8)}:`;
  const env = {
    DATABASE_URL: opts.database,
    REDIS_URL: opts.redisUrl,
    REDIS_PREFIX: prefix,
    MIGRATE_ON_START: 'false',
    ...opts.serviceEnv,
  };
  const service = await startServiceProcess(env);
  const db = createDb(opts.database, 2);
  try {
    const catalog = await sampleCatalog(opts.database);
    const mix = longTailMix(catalog);
    if (opts.warmupSec > 0)
      await fire({ urls: [service.url], rate: opts.rate, durationSec: opts.warmupSec, mix });

    const metrics: MetricPoint[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const at = Date.now();
        try {
          const res = await fetch(`${service.url}/metrics`, { signal: AbortSignal.timeout(1_000) });
          metrics.push({ at, ok: true, ...parseMetrics(await res.text()) });
        } catch {
          metrics.push({ at, ok: false, fallbacks: Number.NaN, fallbacksBy: {}, backendUp: null });
        }
        await sleep(Math.max(0, 100 - (Date.now() - at)));
      }
    })();

    const answers: Answer[] = [];
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const started = Date.now();
    const stepRuns = opts.steps.map((step, i) => {
      const log = path.join(opts.logDir, `search-ops-${stamp}-step${i + 1}.log`);
      const run = { step, log, startedAt: 0, endedAt: null as number | null, code: null as number | null };
      const done = sleep(step.atSec * 1000).then(async () => {
        run.startedAt = Date.now();
        run.code = await runCommand(step.command, log);
        run.endedAt = Date.now();
      });
      return { run, done };
    });
    const cpu = cpuReading({ service: service.child.pid, generator: process.pid });
    const result = await fire({
      urls: [service.url],
      rate: opts.rate,
      durationSec: opts.durationSec,
      mix,
      onAnswer: (a) => answers.push(a),
    });
    const streamEnd = Date.now();
    const { cores } = cpu.stop();
    await Promise.all(stepRuns.map((s) => s.done));

    let after: AfterReport | undefined;
    if (opts.after) {
      const log = path.join(opts.logDir, `search-ops-${stamp}-after.log`);
      const t0 = Date.now();
      const code = runCommand(opts.after, log);
      const lag: AfterReport['lag'] = [];
      let engineHealthySec: number | null = null;
      let breakerClosedSec: number | null = null;
      let lagZeroSec: number | null = null;
      // A shopper's search from the mix (mostly new words, any sort and page): not answered from the cache.
      const searchOf = mix.find((m) => m.name === 'search')!;
      while (Date.now() - t0 < opts.afterWaitSec * 1000) {
        const sec = (Date.now() - t0) / 1000;
        const [healthy, l] = await Promise.all([
          opts.opensearchUrl ? engineHealthy(opts.opensearchUrl) : Promise.resolve(false),
          indexLag(db, INDEXED_EVENT_TYPES),
          // A shopper's search, so that the breaker has calls to probe with.
          fetch(`${service.url}${searchOf.next().path}`).catch(() => null),
        ]);
        const last = metrics.at(-1);
        const point = {
          sec,
          lagSec: Math.round(l.seconds * 1000) / 1000,
          owed: l.owed,
          healthy,
          backendUp: last?.backendUp ?? null,
        };
        lag.push(point);
        if (healthy && engineHealthySec === null) engineHealthySec = sec;
        if (engineHealthySec !== null && point.backendUp === 1 && breakerClosedSec === null)
          breakerClosedSec = sec;
        if (engineHealthySec !== null && l.owed === 0 && l.seconds === 0 && lagZeroSec === null)
          lagZeroSec = sec;
        if (lagZeroSec !== null && breakerClosedSec !== null) break;
        await sleep(250);
      }
      await Promise.race([code, sleep(1_000)]);
      after = {
        command: opts.after,
        engineHealthySec,
        breakerClosedSec,
        lagZeroSec,
        maxLagSec: Math.max(0, ...lag.map((p) => p.lagSec)),
        maxOwed: Math.max(0, ...lag.map((p) => p.owed)),
        lag,
      };
    }
    sampling = false;
    await sampler;

    const searches = answers.filter((a) => a.scenario === 'search');
    const steps: StepReport[] = stepRuns.map(({ run }) => {
      const s = run.startedAt;
      const end = Math.min(run.endedAt ?? streamEnd, streamEnd);
      const during = answers.filter((a) => a.sentAt >= s && a.sentAt <= end);
      const onsetSet = searches.filter((a) => a.answeredAt >= s && a.sentAt <= s + 5_000);
      const firstOk = searches
        .filter((a) => a.sentAt >= s && a.status === 200)
        .reduce((m, a) => Math.min(m, a.answeredAt), Number.POSITIVE_INFINITY);
      const base = [...metrics].reverse().find((m) => m.at <= s && m.ok)?.fallbacks ?? 0;
      const fb = metrics.find((m) => m.at >= s && m.ok && m.fallbacks > base);
      const open = metrics.find((m) => m.at >= s && m.backendUp === 0);
      const notOk: Record<string, number> = {};
      for (const a of onsetSet) if (a.status !== 200) notOk[a.status] = (notOk[a.status] ?? 0) + 1;
      const buckets: StepReport['onset']['buckets'] = [];
      for (let from = -1_000; from < 3_000; from += 250) {
        const inB = searches.filter((a) => a.sentAt >= s + from && a.sentAt < s + from + 250);
        const st: Record<string, number> = {};
        for (const a of inB) st[a.status] = (st[a.status] ?? 0) + 1;
        buckets.push({
          fromMs: from,
          sent: inB.length,
          statuses: Object.entries(st)
            .map(([k, v]) => `${k}:${v}`)
            .join(' '),
          maxMs: Math.max(0, ...inB.map((a) => a.answeredAt - a.sentAt)),
        });
      }
      return {
        command: run.step.command,
        startedSec: (s - started) / 1000,
        endedSec: run.endedAt === null ? null : (run.endedAt - started) / 1000,
        exitCode: run.code,
        log: run.log,
        during: summary(during),
        onset: {
          longestWaitPastStartMs: Math.max(0, ...onsetSet.map((a) => a.answeredAt - Math.max(a.sentAt, s))),
          firstSearchAnsweredMs: Number.isFinite(firstOk) ? firstOk - s : null,
          firstFallbackMs: fb ? fb.at - s : null,
          breakerOpenMs: open ? open.at - s : null,
          notOk,
          buckets,
        },
      };
    });
    const seconds = new Map<number, Answer[]>();
    for (const a of searches) {
      const sec = Math.floor((a.answeredAt - started) / 1000);
      const list = seconds.get(sec);
      if (list) list.push(a);
      else seconds.set(sec, [a]);
    }
    const fallbacksAt = (t: number) => [...metrics].reverse().find((m) => m.at <= t && m.ok)?.fallbacks ?? 0;
    const timeline = [...seconds.entries()]
      .sort(([a], [b]) => a - b)
      .map(([second, list]) => {
        const s = summary(list);
        return {
          second,
          answers: s.answers,
          statuses: Object.entries(s.statuses)
            .map(([k, v]) => `${k}:${v}`)
            .join(' '),
          p99: s.p99,
          fallbacks: fallbacksAt(started + (second + 1) * 1000) - fallbacksAt(started + second * 1000),
        };
      });
    const byReasonAt = (t: number) =>
      [...metrics].reverse().find((m) => m.at <= t && m.ok)?.fallbacksBy ?? {};
    const [fbStart, fbEnd] = [byReasonAt(started), byReasonAt(streamEnd)];
    const fallbacksBy = Object.fromEntries(
      Object.entries(fbEnd).map(([reason, n]) => [reason, n - (fbStart[reason] ?? 0)]),
    );
    return {
      rate: opts.rate,
      durationSec: opts.durationSec,
      overall: {
        ...summary(answers),
        errors: result.errors,
        timeouts: result.timeouts,
        outcomes: result.outcomes,
      },
      cpu: cores,
      steps,
      fallbacksBy,
      ...(after ? { after } : {}),
      timeline,
    };
  } finally {
    await service.stop();
    await db.destroy();
    await dropRedisPrefix(opts.redisUrl, prefix);
  }
}
