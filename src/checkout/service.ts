import type { CartService } from '../cart/index.js';
import type { CatalogService } from '../catalog/index.js';
import type { Db } from '../db/index.js';
import { StaleStockRead } from '../inventory/index.js';
import { createBatcher, ItemFailure, runIsolating } from '../shared/batcher.js';
import { DomainError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { Metrics } from '../shared/metrics.js';
import { type BatchOutcome, processBatch } from './batch.js';
import { hashRequest, storedAnswer } from './idempotency.js';
import type { CheckoutInput, CheckoutRequest, CheckoutResponse } from './schemas.js';

export type CheckoutService = ReturnType<typeof createCheckoutService>;

interface Deps {
  db: Db;
  cart: CartService;
  catalog: CatalogService;
  logger: Logger;
  options: {
    strategy: 'group-commit' | 'row-lock';
    batchMax: number;
    batchWaitMs: number;
    batchConcurrency: number;
    reservationTtlMs: number;
    maxPendingOrders: number;
  };
  metrics: Metrics;
}

const errorCode = (response: CheckoutResponse) =>
  String((response.body.error as { code?: string } | undefined)?.code ?? `http_${response.status}`);

const keyReused = (key: string) =>
  new DomainError(
    'idempotency_key_reused',
    'This Idempotency-Key was already used with a different request',
    {
      idempotency_key: key,
    },
  );

export function createCheckoutService({ db, cart, catalog, logger, options, metrics }: Deps) {
  // Concurrent retries of one key in this process share one attempt; across processes the
  // idempotency_keys primary key makes the later transaction wait and then replay.
  const inFlight = new Map<string, { hash: string; promise: Promise<CheckoutResponse> }>();

  async function runInTransaction(requests: CheckoutRequest[]): Promise<BatchOutcome> {
    const run = (lockFirst: boolean) =>
      db.transaction((trx) =>
        processBatch(trx, requests, {
          reservationTtlMs: options.reservationTtlMs,
          maxPendingOrders: options.maxPendingOrders,
          lockFirst,
        }),
      );
    // The textbook baseline locks first; group commit reads, writes, then locks (and falls back
    // to lock-first in the rare case another process moved the stock in between).
    const outcome = await run(options.strategy === 'row-lock').catch((err) => {
      if (err instanceof StaleStockRead) return run(true);
      throw err;
    });
    for (const response of outcome.responses.values()) {
      metrics.checkoutsStarted.inc();
      if (response.status === 201) {
        metrics.checkoutsCompleted.inc();
        metrics.cartsConverted.inc();
      } else metrics.checkoutsFailed.inc({ reason: errorCode(response) });
    }
    // After the commit: caches and the converted carts' read copies.
    await Promise.all([
      catalog.stockChanged(outcome.productIds),
      ...outcome.orders.map((o) => cart.forgetCart(o.cartId, o.userId, o.cartVersion)),
    ]);
    return outcome;
  }

  async function replay(request: CheckoutRequest): Promise<CheckoutResponse> {
    const row = await storedAnswer(db, request);
    if (!row || row.response_status === null) {
      throw new DomainError(
        'idempotency_in_progress',
        'A request with this Idempotency-Key is still in progress',
      );
    }
    if (row.request_hash !== request.requestHash) throw keyReused(request.key);
    return { status: row.response_status, body: row.response_body };
  }

  /** One batch; if its transaction fails, it is halved until the failing request stands alone. */
  const runBatch = (requests: CheckoutRequest[]) =>
    runIsolating<CheckoutRequest, CheckoutResponse>(
      requests,
      async (batch) => {
        const outcome = await runInTransaction(batch);
        const results = new Map<CheckoutRequest, CheckoutResponse | ItemFailure>(outcome.responses);
        for (const dup of outcome.duplicates) {
          results.set(dup, await replay(dup).catch((err) => new ItemFailure(err)));
        }
        return results;
      },
      {
        onSplit: (err, size) => logger.warn({ err, size }, 'checkout batch failed; splitting it'),
        onAlone: (_request, err) => {
          metrics.checkoutsStarted.inc();
          metrics.checkoutsFailed.inc({ reason: err instanceof DomainError ? err.code : 'internal' });
        },
      },
    );

  const batcher = createBatcher<CheckoutRequest, CheckoutResponse>({
    run: runBatch,
    // The textbook baseline: every checkout is its own transaction, started at once.
    maxSize: options.strategy === 'row-lock' ? 1 : options.batchMax,
    maxWaitMs: options.strategy === 'row-lock' ? 0 : options.batchWaitMs,
    concurrency: options.strategy === 'row-lock' ? Number.MAX_SAFE_INTEGER : options.batchConcurrency,
    logger,
    onBatch: (size) => metrics.batchSize.observe(size),
  });

  return {
    strategy: options.strategy,

    async checkout(userId: string, key: string, input: CheckoutInput): Promise<CheckoutResponse> {
      const request: CheckoutRequest = { userId, key, requestHash: hashRequest(input), input };
      // No read-before-write: a key seen before loses the INSERT in the batch and is replayed from
      // the stored answer, which saves a round trip on every first attempt (the common case).
      const slot = `${userId}\u0000${key}`;
      const running = inFlight.get(slot);
      if (running) {
        if (running.hash !== request.requestHash) throw keyReused(key);
        return running.promise;
      }
      const promise = batcher.submit(request).finally(() => inFlight.delete(slot));
      inFlight.set(slot, { hash: request.requestHash, promise });
      return promise;
    },

    drain: () => batcher.drain(),
  };
}
