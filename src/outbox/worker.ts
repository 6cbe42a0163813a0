import type { Db } from '../db/index.js';
import type { Logger } from '../shared/logger.js';
import { claim, markFailed, markProcessed, type OutboxEvent } from './outbox.js';

/** Handles a claimed set of one topic's events; answers per event: an Error to retry it later, else done. */
export type BatchHandler = (events: OutboxEvent[]) => Promise<unknown[]>;

/** A handler for events that are handled one at a time. */
export const eachEvent =
  (handle: (event: OutboxEvent) => Promise<unknown>): BatchHandler =>
  (events) =>
    Promise.all(
      events.map((e) =>
        handle(e).then(
          () => undefined,
          (err: unknown) => err as Error,
        ),
      ),
    );

export interface DrainResult {
  processed: number;
  failed: number;
}

/**
 * Claims and handles due events until none are left (or `maxRounds` claims). Claiming goes on
 * while earlier events are still being handled, up to `maxInFlight` events, so a slow handler (a
 * provider call) never idles the pipeline. Handlers must be idempotent: an event whose worker died
 * after the side effect but before markProcessed runs again.
 */
export function createOutboxWorker({
  db,
  handlers,
  logger,
  batchSize = 100,
  maxInFlight = 500,
  leaseMs = 30_000,
  maxAttempts = 10,
  onFailure,
}: {
  db: Db;
  handlers: Record<string, BatchHandler>;
  logger: Logger;
  batchSize?: number;
  maxInFlight?: number;
  leaseMs?: number;
  maxAttempts?: number;
  onFailure?: (event: OutboxEvent, parked: boolean) => void;
}) {
  const topics = Object.keys(handlers);
  // Set by nudge() (a NOTIFY: new events were written); a waiting drain or pump looks again at once.
  let nudged = false;
  let wakeDrain: (() => void) | undefined;
  let wakePump: (() => void) | undefined;

  async function fail(event: OutboxEvent, err: unknown) {
    const parked = await markFailed(db, event, (err as Error)?.message ?? String(err), maxAttempts);
    logger.warn(
      { err, event: event.id, topic: event.topic, attempts: event.attempts, parked },
      'outbox event failed',
    );
    onFailure?.(event, parked);
  }

  async function handleRound(events: OutboxEvent[]): Promise<DrainResult> {
    const result = { processed: 0, failed: 0 };
    const byTopic = new Map<string, OutboxEvent[]>();
    for (const e of events) byTopic.set(e.topic, [...(byTopic.get(e.topic) ?? []), e]);
    await Promise.all(
      [...byTopic].map(async ([topic, group]) => {
        const answers = await handlers[topic]!(group).catch((err: unknown) => group.map(() => err as Error));
        const done = group.filter((_, i) => !(answers[i] instanceof Error));
        await markProcessed(
          db,
          done.map((e) => e.id),
        );
        result.processed += done.length;
        for (const [i, e] of group.entries()) {
          if (answers[i] instanceof Error) {
            result.failed++;
            await fail(e, answers[i]);
          }
        }
      }),
    );
    return result;
  }

  async function drain(maxRounds = 100): Promise<DrainResult> {
    const result = { processed: 0, failed: 0 };
    const running = new Set<Promise<void>>();
    let inFlight = 0;
    let rounds = 0;
    for (;;) {
      nudged = false;
      const room = maxInFlight - inFlight;
      if (room > 0 && rounds < maxRounds) {
        const events = await claim(db, topics, Math.min(batchSize, room), leaseMs);
        if (events.length) {
          rounds++;
          inFlight += events.length;
          const round: Promise<void> = handleRound(events)
            .then(
              (r) => {
                result.processed += r.processed;
                result.failed += r.failed;
              },
              (err) => logger.error({ err }, 'outbox round failed; its events are retried after the lease'),
            )
            .finally(() => {
              inFlight -= events.length;
              running.delete(round);
            });
          running.add(round);
          continue;
        }
      }
      if (nudged && rounds < maxRounds) continue;
      if (running.size === 0) break;
      await Promise.race([
        ...running,
        new Promise<void>((resolve) => {
          wakeDrain = resolve;
        }),
      ]);
      wakeDrain = undefined;
    }
    return result;
  }

  return {
    drain,

    /** New events were written (LISTEN/NOTIFY): look for them now instead of at the next poll. */
    nudge() {
      nudged = true;
      wakeDrain?.();
      wakePump?.();
    },

    /** Drains continuously: again at once when nudged, else every `intervalMs`. stop() waits for the work in flight. */
    start(intervalMs: number) {
      let stopped = false;
      const loop = (async () => {
        while (!stopped) {
          try {
            await drain();
          } catch (err) {
            logger.error({ err }, 'outbox drain failed');
          }
          if (stopped || nudged) continue;
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, intervalMs);
            wakePump = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          wakePump = undefined;
        }
      })();
      return {
        async stop() {
          stopped = true;
          wakePump?.();
          await loop;
        },
      };
    },
  };
}
