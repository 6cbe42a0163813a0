import type { CatalogService } from '../catalog/index.js';
import type { Db } from '../db/index.js';
import { lockDueOrders } from '../inventory/index.js';
import type { SettlementOutcome } from '../orders/index.js';
import { createBatcher, ItemFailure, runIsolating } from '../shared/batcher.js';
import { DomainError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { Metrics } from '../shared/metrics.js';
import type { SettlementInput, SettlementPlan } from './plan.js';
import { settleOrders } from './settle.js';

export type SettlementService = ReturnType<typeof createSettlementService>;

/** Due orders one sweep transaction expires: a backlog after an outage is worked off in bounded rounds. */
const SWEEP_BATCH = 500;

export interface SettlementOptions {
  batchMax: number;
  batchWaitMs: number;
  batchConcurrency: number;
}

/**
 * The second half of every sale: payment results and cancels of many orders settle in one
 * transaction (group commit), as checkouts do. A failing input is isolated by halving its batch;
 * its batch-mates still settle.
 */
export function createSettlementService({
  db,
  catalog,
  metrics,
  logger,
  options,
}: {
  db: Db;
  catalog: CatalogService;
  metrics: Metrics;
  logger: Logger;
  options: SettlementOptions;
}) {
  /** After the commit: caches of the touched products, and the service's own account. */
  async function committed(plan: SettlementPlan) {
    const now = Date.now();
    for (const p of plan.paid)
      metrics.checkoutToPaid.observe(Math.max(0, now - p.createdAt.getTime()) / 1000);
    for (const outcome of plan.outcomes) {
      metrics.settlements.inc({ outcome: outcome instanceof DomainError ? 'refused' : outcome });
    }
    await catalog.stockChanged(plan.movements.map((m) => m.product_id));
  }

  async function runOnce(
    inputs: SettlementInput[],
  ): Promise<Map<SettlementInput, SettlementOutcome | ItemFailure>> {
    const plan = await db.transaction((trx) => settleOrders(trx, inputs));
    await committed(plan);
    const results = new Map<SettlementInput, SettlementOutcome | ItemFailure>();
    plan.outcomes.forEach((outcome, i) => {
      results.set(inputs[i]!, outcome instanceof DomainError ? new ItemFailure(outcome) : outcome);
    });
    if (plan.deferred.length) {
      for (const [input, outcome] of await runBatch(plan.deferred.map((i) => inputs[i]!))) {
        results.set(input, outcome);
      }
    }
    return results;
  }

  const runBatch = (inputs: SettlementInput[]) =>
    runIsolating(inputs, runOnce, {
      onSplit: (err, size) => logger.warn({ err, size }, 'settlement batch failed; splitting it'),
      onAlone: (input, err) => {
        if (!(err instanceof DomainError)) {
          logger.error({ err, order: input.orderId, kind: input.kind }, 'settlement failed');
        }
      },
    });

  const batcher = createBatcher<SettlementInput, SettlementOutcome>({
    run: runBatch,
    maxSize: options.batchMax,
    maxWaitMs: options.batchWaitMs,
    concurrency: options.batchConcurrency,
    logger,
    onBatch: (size) => metrics.settlementBatchSize.observe(size),
  });

  /** One sweep: expires a bounded batch of PENDING orders whose reservations ran out. */
  async function releaseExpiredReservations(limit = SWEEP_BATCH) {
    const { due, plan } = await db.transaction(async (trx) => {
      const due = await lockDueOrders(trx, limit);
      const plan = await settleOrders(
        trx,
        due.map((d) => ({ kind: 'expire' as const, orderId: d.id })),
      );
      return { due, plan };
    });
    await committed(plan);
    const now = Date.now();
    return {
      orders: due.length,
      units: plan.movements.reduce((n, m) => n + m.quantity, 0),
      lagsMs: due.map((d) => now - d.expires_at.getTime()),
      orderIds: due.map((d) => d.id),
    };
  }

  return {
    /** Settles one input with whatever else is settling now; rejects with its own error only. */
    settle: (input: SettlementInput) => batcher.submit(input),

    drain: () => batcher.drain(),

    releaseExpiredReservations,

    /**
     * The sweeper (every process runs it, and `shopctl reservations release-expired`): expires every due
     * order, a bounded batch at a time, recording each expiry and its lag behind expires_at.
     */
    async releaseAllExpiredReservations() {
      const total = { orders: 0, units: 0 };
      for (;;) {
        const round = await releaseExpiredReservations(SWEEP_BATCH);
        metrics.reservationsExpired.inc(round.orders);
        for (const lag of round.lagsMs) metrics.releaseLag.observe(Math.max(0, lag) / 1000);
        total.orders += round.orders;
        total.units += round.units;
        if (round.orders < SWEEP_BATCH) return total;
      }
    },
  };
}
