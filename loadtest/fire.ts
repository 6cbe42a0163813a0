import autocannon from 'autocannon';

export interface NextRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface FireOptions {
  /** One or more service URLs; the rate is split evenly across them. */
  urls: string[];
  rate: number;
  durationSec: number;
  /** Stop after this many requests in all (e.g. the number of buyers). */
  amount?: number;
  connections?: number;
  next: () => NextRequest;
  /** Sees every answer (status and body), e.g. to count error codes. */
  onResponse?: (status: number, body: string) => void;
}

export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export interface FireResult {
  requests: number;
  durationSec: number;
  achievedRate: number;
  /** From autocannon, corrected for coordinated omission at a fixed rate. */
  latency: LatencySummary;
  statusCounts: Record<string, number>;
  errors: number;
  timeouts: number;
  /** Per second of the run: responses and raw latency percentiles, for the chart. */
  timeline: { second: number; responses: number; p50: number; p99: number }[];
}

// Present at runtime since autocannon 7, missing from @types/autocannon.
const { aggregateResult } = autocannon as unknown as {
  aggregateResult: (r: autocannon.Result[], opts: { url: string; connections: number }) => autocannon.Result;
};

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Fires requests at a fixed overall rate with autocannon and summarises what came back. */
export async function fire(opts: FireOptions): Promise<FireResult> {
  const perUrlRate = Math.max(1, Math.round(opts.rate / opts.urls.length));
  const perUrlAmount = opts.amount === undefined ? undefined : Math.ceil(opts.amount / opts.urls.length);
  // Enough sockets to keep offering the rate while answers take up to ~250 ms; too few, and the
  // generator itself falls behind and the missed sends show up as (corrected) latency.
  const connections = opts.connections ?? Math.min(1_000, Math.max(20, Math.ceil(perUrlRate / 4)));
  const started = Date.now();
  const samples: { at: number; ms: number }[] = [];

  const runs = opts.urls.map(
    (url) =>
      new Promise<autocannon.Result>((resolve, reject) => {
        const instance = autocannon(
          {
            url,
            connections,
            overallRate: perUrlRate,
            duration: opts.durationSec,
            ...(perUrlAmount === undefined ? {} : { amount: perUrlAmount }),
            timeout: 10,
            skipAggregateResult: true,
            requests: [
              {
                setupRequest: (req) => {
                  const next = opts.next();
                  return {
                    ...req,
                    ...next,
                    headers: { 'content-type': 'application/json', ...next.headers },
                  };
                },
                onResponse: (status, body) => opts.onResponse?.(status, body),
              },
            ],
          },
          (err, result) => (err ? reject(err) : resolve(result)),
        );
        instance.on('response', (_client, _status, _bytes, responseTime) => {
          samples.push({ at: Date.now() - started, ms: responseTime });
        });
      }),
  );
  const results = await Promise.all(runs);
  const merged = aggregateResult(results, { url: opts.urls[0]!, connections });
  const statusCounts: Record<string, number> = {};
  for (const r of results) {
    for (const [code, { count }] of Object.entries(r.statusCodeStats ?? {})) {
      statusCounts[code] = (statusCounts[code] ?? 0) + Number(count);
    }
  }
  const requests = Object.values(statusCounts).reduce((a, b) => a + b, 0);
  const durationSec = (Date.now() - started) / 1000;
  return {
    requests,
    durationSec,
    achievedRate: requests / durationSec,
    latency: {
      p50: merged.latency.p50,
      p90: merged.latency.p90,
      p99: merged.latency.p99,
      max: merged.latency.max,
      mean: merged.latency.average,
    },
    statusCounts,
    errors: merged.errors,
    timeouts: merged.timeouts,
    timeline: timeline(samples),
  };
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
      const sorted = values.sort((a, b) => a - b);
      return { second, responses: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
    });
}
