import type { Db } from '../db/index.js';
import type { Logger } from '../shared/logger.js';
import { claim, markFailed, markProcessed, type OutboxEvent } from './outbox.js';

export type Handler = (event: OutboxEvent) => Promise<unknown>;

export interface DrainResult {
  processed: number;
  failed: number;
}

/**
 * Claims and handles due events until none are left (or `maxRounds`). Handlers must be idempotent:
 * an event whose worker died after the side effect but before markProcessed runs again.
 */
export function createOutboxWorker({
  db,
  handlers,
  logger,
  batchSize = 50,
  leaseMs = 30_000,
  maxAttempts = 10,
  onFailure,
}: {
  db: Db;
  handlers: Record<string, Handler>;
  logger: Logger;
  batchSize?: number;
  leaseMs?: number;
  maxAttempts?: number;
  onFailure?: (event: OutboxEvent, parked: boolean) => void;
}) {
  const topics = Object.keys(handlers);

  async function handle(event: OutboxEvent): Promise<boolean> {
    try {
      await handlers[event.topic]!(event);
      await markProcessed(db, event.id);
      return true;
    } catch (err) {
      const parked = await markFailed(db, event, (err as Error).message ?? String(err), maxAttempts);
      logger.error(
        { err, event: event.id, topic: event.topic, attempts: event.attempts, parked },
        'outbox event failed',
      );
      onFailure?.(event, parked);
      return false;
    }
  }

  return {
    async drain(maxRounds = 100): Promise<DrainResult> {
      const result = { processed: 0, failed: 0 };
      for (let round = 0; round < maxRounds; round++) {
        const events = await claim(db, topics, batchSize, leaseMs);
        if (events.length === 0) break;
        const outcomes = await Promise.all(events.map(handle));
        for (const ok of outcomes) ok ? result.processed++ : result.failed++;
      }
      return result;
    },
  };
}
