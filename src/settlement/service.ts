import type { CatalogService } from '../catalog/service.js';
import type { Db, Trx } from '../db/index.js';
import { createBatcher, ItemFailure, runIsolating } from '../shared/batcher.js';
import { DomainError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { Metrics } from '../shared/metrics.js';
import type { SettlementInput, SettlementOutcome, SettlementPlan } from './plan.js';
import { settleOrders } from './settle.js';

export type SettlementService = ReturnType<typeof createSettlementService>;

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

  return {
    /** Settles one input with whatever else is settling now; rejects with its own error only. */
    settle: (input: SettlementInput) => batcher.submit(input),

    /**
     * Settles inputs inside the caller's transaction (the sweeper's, which claimed the orders);
     * call `afterCommit` with the plan once it commits.
     */
    settleIn: (trx: Trx, inputs: SettlementInput[]) => settleOrders(trx, inputs),
    afterCommit: committed,

    drain: () => batcher.drain(),
  };
}
