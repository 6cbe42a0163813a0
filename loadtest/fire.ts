import autocannon from 'autocannon';

export interface NextRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface Scenario {
  name: string;
  /** Share of the overall rate, relative to the other scenarios' weights. */
  weight: number;
  next: () => NextRequest;
}

export interface FireOptions {
  /** One or more service URLs; each scenario's rate is split evenly across them. */
  urls: string[];
  /** Requests per second in all; 0 means as fast as `connections` allow (a saturation run). */
  rate: number;
  /** Connections per URL for a saturation run. */
  connections?: number;
  durationSec: number;
  mix: Scenario[];
  /** Stop after this many requests in all (e.g. one per buyer). */
  amount?: number;
  /** Called with every answer: its scenario, status, and when it was sent and answered (epoch ms). */
  onAnswer?: (answer: { scenario: string; status: number; sentAt: number; answeredAt: number }) => void;
}

export interface LatencySummary {
  requests: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface FireResult {
  requests: number;
  durationSec: number;
  achievedRate: number;
  latency: LatencySummary;
  byScenario: Record<string, LatencySummary>;
  /** By HTTP status: how fast each kind of answer came (a refusal should be quick). */
  byStatus: Record<string, LatencySummary>;
  /** By HTTP status, and by "status code" (the API's error code) for answers >= 400. */
  statusCounts: Record<string, number>;
  outcomes: Record<string, number>;
  errors: number;
  timeouts: number;
  /** Per second of the run: responses and latency percentiles, for the chart. */
  timeline: { second: number; responses: number; p50: number; p99: number }[];
  /** When the run started (epoch ms): the timeline's second 0. */
  startedAt?: number;
}

// Each connection of one autocannon instance sends its per-second quota back to back at the top of
// every second, so one instance at 1,000/s is a burst, not a flow. The load is therefore split into
// lanes (instances) started 1/LANES s apart, each with connections that carry at most
// PER_CONNECTION requests per second.
const LANES = 20;
const PER_CONNECTION = 10;

export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** The median, p99 and maximum of `values` (in any order), each through `round`: every benchmark's summary. */
export function quantiles(values: ArrayLike<number>, round: (v: number) => number = (v) => v) {
  const sorted = Float64Array.from(values).sort();
  return {
    p50: round(percentile(sorted, 50)),
    p99: round(percentile(sorted, 99)),
    max: round(percentile(sorted, 100)),
  };
}

function summarise(samples: number[]): LatencySummary {
  const r = (v: number) => Math.round(v * 100) / 100;
  return {
    requests: samples.length,
    ...quantiles(samples, r),
    p90: r(percentile(Float64Array.from(samples).sort(), 90)),
  };
}

function outcomeOf(status: number, body: string): string {
  if (status < 400) return String(status);
  try {
    const { error } = JSON.parse(body) as { error?: { code?: string; details?: { reason?: unknown } } };
    // A refusal that says why (search_busy: queue_full, queue_wait, timeout) is counted by reason.
    const reason = typeof error?.details?.reason === 'string' ? ` (${error.details.reason})` : '';
    return `${status} ${error?.code ?? '?'}${reason}`;
  } catch {
    return `${status} (not JSON)`;
  }
}

/**
 * Drives the mix at a fixed overall rate with autocannon. Latency is recorded here from every
 * response (autocannon's histogram keeps only 2xx answers, and the 409s of a sold-out sale are
 * half the story), from the moment the request was written to the last byte of the answer.
 */
export async function fire(opts: FireOptions): Promise<FireResult> {
  const totalWeight = opts.mix.reduce((n, s) => n + s.weight, 0);
  const samples = new Map<string, number[]>(opts.mix.map((s) => [s.name, []]));
  const byStatus = new Map<number, number[]>();
  const all: { at: number; ms: number }[] = [];
  const statusCounts: Record<string, number> = {};
  const outcomes: Record<string, number> = {};
  let errors = 0;
  let timeouts = 0;
  const started = Date.now();

  const lanes: { url: string; scenario: Scenario; rate?: number; connections: number; amount?: number }[] =
    [];
  for (const scenario of opts.mix) {
    const share = scenario.weight / totalWeight;
    for (const url of opts.urls) {
      const rate = (opts.rate * share) / opts.urls.length;
      const count = rate > 0 ? Math.max(1, Math.min(LANES, Math.floor(rate))) : 1;
      for (let i = 0; i < count; i++) {
        const laneRate = rate > 0 ? Math.max(1, Math.round(rate / count)) : undefined;
        lanes.push({
          url,
          scenario,
          ...(laneRate ? { rate: laneRate } : {}),
          connections: laneRate
            ? Math.max(1, Math.ceil(laneRate / PER_CONNECTION))
            : Math.max(1, Math.ceil((opts.connections ?? 200) * share)),
          ...(opts.amount === undefined
            ? {}
            : { amount: Math.ceil((opts.amount * share) / opts.urls.length / count) }),
        });
      }
    }
  }

  const runs = lanes.map(
    (lane, i) =>
      new Promise<void>((resolve, reject) => {
        setTimeout(
          () => {
            const latencies = samples.get(lane.scenario.name)!;
            const instance = autocannon(
              {
                url: lane.url,
                ...(lane.rate ? { overallRate: lane.rate } : {}),
                connections: lane.connections,
                duration: opts.durationSec,
                ...(lane.amount === undefined ? {} : { amount: lane.amount }),
                timeout: 10,
                ...(lane.rate ? { ignoreCoordinatedOmission: true } : {}),
                requests: [
                  {
                    setupRequest: (req) => {
                      const next = lane.scenario.next();
                      return {
                        ...req,
                        ...next,
                        headers: { 'content-type': 'application/json', ...next.headers },
                      };
                    },
                    onResponse: (status, body) => {
                      statusCounts[status] = (statusCounts[status] ?? 0) + 1;
                      const key = outcomeOf(status, body);
                      outcomes[key] = (outcomes[key] ?? 0) + 1;
                    },
                  },
                ],
              },
              (err, result) => {
                if (err) return reject(err);
                errors += result.errors;
                timeouts += result.timeouts;
                resolve();
              },
            );
            instance.on('response', (_client, status, _bytes, ms) => {
              latencies.push(ms);
              const ofStatus = byStatus.get(status);
              if (ofStatus) ofStatus.push(ms);
              else byStatus.set(status, [ms]);
              const now = Date.now();
              all.push({ at: now - started, ms });
              opts.onAnswer?.({ scenario: lane.scenario.name, status, sentAt: now - ms, answeredAt: now });
            });
          },
          ((i % LANES) * 1_000) / LANES,
        );
      }),
  );
  await Promise.all(runs);
  const requests = all.length;
  const durationSec = (Date.now() - started) / 1000;
  return {
    requests,
    durationSec,
    achievedRate: sustainedRate(all),
    latency: summarise(all.map((s) => s.ms)),
    byScenario: Object.fromEntries([...samples].map(([name, l]) => [name, summarise(l)])),
    byStatus: Object.fromEntries([...byStatus].map(([status, l]) => [String(status), summarise(l)])),
    statusCounts,
    outcomes,
    errors,
    timeouts,
    timeline: timeline(all),
    startedAt: started,
  };
}

/**
 * Answers per second the service kept up: the median over the run's whole seconds (the first and
 * last are partial: lanes start staggered, and with `amount` a run lasts as long as it needs).
 */
function sustainedRate(samples: { at: number }[]): number {
  const perSecond = timeline(samples.map((s) => ({ ...s, ms: 0 }))).map((t) => t.responses);
  if (perSecond.length < 3) {
    const span = ((samples.at(-1)?.at ?? 0) - (samples[0]?.at ?? 0)) / 1000;
    return samples.length / Math.max(1, span);
  }
  const whole = perSecond.slice(1, -1).sort((a, b) => a - b);
  return whole[Math.floor(whole.length / 2)]!;
}

function timeline(samples: { at: number; ms: number }[]) {
  const buckets = new Map<number, number[]>();
  for (const s of samples) {
    const second = Math.floor(s.at / 1000);
    const bucket = buckets.get(second);
    if (bucket) bucket.push(s.ms);
    else buckets.set(second, [s.ms]);
  }
  return [...buckets.entries()]
    .sort(([a], [b]) => a - b)
    .map(([second, values]) => {
      const sorted = Float64Array.from(values).sort();
      return { second, responses: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
    });
}
