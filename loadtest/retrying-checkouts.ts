import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { quantiles } from './fire.js';
import type { Buyer } from './scenario.js';

/** What a buyer's browser does when a checkout gets no answer: waits a moment and sends it again, same key. */
const RETRY_AFTER_MS = 200;
/** A buyer gives up after this long without a final answer (counted, and a failure of the run). */
const GIVE_UP_MS = 30_000;

/** One POST on a keep-alive connection: its status and parsed body (a connection error throws). */
function post(
  agent: http.Agent,
  url: URL,
  headers: Record<string, string>,
  body: string,
): Promise<{ status: number; body: { error?: { code?: string } } }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers, timeout: 15_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        let parsed = {};
        try {
          parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          // a balancer's HTML error page
        }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

/** The answers a buyer stops at: the order was placed (201) or refused for good (409 but in progress). */
function isFinal(status: number, code: string | undefined): boolean {
  return status === 201 || (status === 409 && code !== 'idempotency_in_progress');
}

export interface BuyerOutcome {
  key: string;
  /** 201, 409 <code>, or 'gave up'. */
  final: string;
  attempts: number;
  /** Attempts that got no answer or a 5xx (the balancer's 502/503 included). */
  failedAttempts: number;
  /** From the first send to the final answer. */
  ms: number;
  sentAt: number;
}

export interface RetryingRun {
  outcomes: BuyerOutcome[];
  finals: Record<string, number>;
  buyersWhoRetried: number;
  failedAttempts: number;
  /** Per final answer, first send to final answer. */
  latency: { p50: number; p99: number; max: number };
  achievedRate: number;
}

/**
 * Checkouts as real buyers send them: one Idempotency-Key per buyer, and a request that gets no
 * answer, a 5xx or `idempotency_in_progress` is sent again with the same key until it ends in 201
 * or a 409. Open-loop: buyer i starts at i / rate seconds whatever the others are doing. What the
 * fleet must show under a killed process is that every buyer ends with exactly one such answer.
 */
export async function retryingCheckouts({
  url,
  buyers,
  rate,
  paymentMethod = () => 'pm_card_visa',
  address,
}: {
  url: string;
  buyers: Buyer[];
  rate: number;
  paymentMethod?: (i: number) => string;
  address: unknown;
}): Promise<RetryingRun> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const target = new URL('/checkout', url);
  const started = Date.now();
  const one = async (buyer: Buyer, i: number): Promise<BuyerOutcome> => {
    await new Promise((r) => setTimeout(r, started + (i * 1000) / rate - Date.now()));
    const key = randomUUID();
    const sentAt = Date.now();
    const body = JSON.stringify({
      cart_id: buyer.cartId,
      shipping_address: address,
      payment_method: paymentMethod(i),
    });
    let attempts = 0;
    let failedAttempts = 0;
    while (Date.now() - sentAt < GIVE_UP_MS) {
      attempts += 1;
      try {
        const res = await post(
          agent,
          target,
          {
            authorization: `Bearer ${buyer.token}`,
            'idempotency-key': key,
            'content-type': 'application/json',
          },
          body,
        );
        const code = res.body.error?.code;
        if (isFinal(res.status, code)) {
          return {
            key,
            final: res.status === 201 ? '201' : `409 ${code}`,
            attempts,
            failedAttempts,
            ms: Date.now() - sentAt,
            sentAt,
          };
        }
        if (res.status >= 500) failedAttempts += 1;
        else if (res.status !== 409) {
          // A 4xx other than a 409 is the request's fault: no retry makes it right.
          return {
            key,
            final: String(res.status),
            attempts,
            failedAttempts,
            ms: Date.now() - sentAt,
            sentAt,
          };
        }
      } catch {
        failedAttempts += 1;
      }
      await new Promise((r) => setTimeout(r, RETRY_AFTER_MS));
    }
    return { key, final: 'gave up', attempts, failedAttempts, ms: Date.now() - sentAt, sentAt };
  };
  try {
    const outcomes = await Promise.all(buyers.map(one));
    const finals: Record<string, number> = {};
    for (const o of outcomes) finals[o.final] = (finals[o.final] ?? 0) + 1;
    return {
      outcomes,
      finals,
      buyersWhoRetried: outcomes.filter((o) => o.attempts > 1).length,
      failedAttempts: outcomes.reduce((n, o) => n + o.failedAttempts, 0),
      latency: quantiles(outcomes.map((o) => o.ms)),
      achievedRate: buyers.length / ((Math.max(...outcomes.map((o) => o.sentAt)) - started) / 1000 || 1),
    };
  } finally {
    agent.destroy();
  }
}
