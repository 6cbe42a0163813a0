import type { Db } from '../db/index.js';
import { createBatcher } from '../shared/batcher.js';
import type { Logger } from '../shared/logger.js';
import { claim, markFailed, markProcessed, type OutboxEvent, type RetryPolicy } from './outbox.js';

/**
 * Handles a claimed set of one topic's events (so it can share work across them, such as one
 * statement for all), answering one promise per event, each settling on its own: an Error (or a
 * rejection) retries that event later, anything else marks it done.
 */
export type BatchHandler = (events: OutboxEvent[]) => Promise<unknown>[];

/** A handler for events that are handled one at a time. */
export const eachEvent =
  (handle: (event: OutboxEvent) => Promise<unknown>): BatchHandler =>
  (events) =>
    events.map((e) => handle(e));

export interface DrainResult {
  processed: number;
  failed: number;
}

/**
 * Claims and handles due events until none are left (or `maxRounds` claims). Claiming goes on
 * while earlier events are still being handled, up to `maxInFlight` events at once, and each event
 * frees its place the moment it finishes, so a slow handler (a provider call) never idles the
 * pipeline. Handlers must be idempotent: an event whose worker died
 * after the side effect but before markProcessed runs again.
 */
export function createOutboxWorker({
  db,
  handlers,
  logger,
  batchSize = 100,
  maxInFlight = 500,
  leaseMs = 30_000,
  retry,
  onFailure,
}: {
  db: Db;
  handlers: Record<string, BatchHandler>;
  logger: Logger;
  batchSize?: number;
  maxInFlight?: number;
  leaseMs?: number;
  /** When a failed event is tried again, and when it is parked: the handlers' domain decides. */
  retry: RetryPolicy;
  onFailure?: (event: OutboxEvent, parked: boolean) => void;
}) {
  const topics = Object.keys(handlers);
  // Set by nudge() (a NOTIFY: new events were written); a waiting drain or pump looks again at once.
  let nudged = false;
  const wakers = new Set<() => void>();
  let wakePump: (() => void) | undefined;
  // Finished events are marked a few milliseconds' worth at a time: one UPDATE, not one per event.
  const marks = createBatcher<number, true>({
    run: async (ids) => {
      await markProcessed(db, ids);
      return new Map(ids.map((id) => [id, true as const]));
    },
    maxSize: 1_000,
    maxWaitMs: 5,
    concurrency: 1,
    logger,
  });

  async function fail(event: OutboxEvent, err: unknown) {
    const parked = await markFailed(db, event, (err as Error)?.message ?? String(err), retry);
    logger.warn(
      { err, event: event.id, topic: event.topic, attempts: event.attempts, parked },
      'outbox event failed',
    );
    onFailure?.(event, parked);
  }

  /** Starts every event's handling; `done` is called once per event as it finishes. */
  function dispatch(events: OutboxEvent[], done: (ok: boolean) => void) {
    const byTopic = new Map<string, OutboxEvent[]>();
    for (const e of events) byTopic.set(e.topic, [...(byTopic.get(e.topic) ?? []), e]);
    for (const [topic, group] of byTopic) {
      let answers: Promise<unknown>[];
      try {
        answers = handlers[topic]!(group);
      } catch (err) {
        answers = group.map(() => Promise.reject(err));
      }
      group.forEach((event, i) => {
        const settled = (answers[i] ?? Promise.reject(new Error('the handler gave no answer'))).then(
          (answer) => (answer instanceof Error ? Promise.reject(answer) : marks.submit(event.id)),
        );
        settled
          .then(
            () => true,
            (err) => fail(event, err).then(() => false),
          )
          .catch((err) => {
            logger.error(
              { err, event: event.id },
              'outbox event could not be recorded; retried after its lease',
            );
            return false;
          })
          .then(done);
      });
    }
  }

  // Claiming the one place a finished event frees would be a query per event under load: a claim
  // waits for a worthwhile share of the pipeline, unless nothing is in flight.
  const minClaim = Math.max(1, Math.min(batchSize, Math.floor(maxInFlight / 10)));

  /**
   * `maxRounds` bounds the claims (a call from a test or shopctl ends); `stopping` ends claiming
   * at once (shutdown), leaving what is unclaimed to the next process.
   */
  async function drain(maxRounds = 100, stopping: () => boolean = () => false): Promise<DrainResult> {
    const result = { processed: 0, failed: 0 };
    let inFlight = 0;
    let rounds = 0;
    // The last claim found less than it asked for: claim again only when nudged, not each time an
    // event finishes (that would be a query per event while the queue is empty).
    let empty = false;
    let lastLook = false;
    let resume: (() => void) | undefined;
    const wake = () => {
      const r = resume;
      resume = undefined;
      r?.();
    };
    wakers.add(wake);
    try {
      for (;;) {
        const claimable = rounds < maxRounds && !stopping();
        // A nudge is only spent by a drain that can still claim; else the next drain sees it.
        if (nudged && claimable) {
          nudged = false;
          empty = false;
        }
        const room = maxInFlight - inFlight;
        if (!empty && claimable && room >= (inFlight === 0 ? 1 : minClaim)) {
          const want = Math.min(batchSize, room);
          const events = await claim(db, topics, want, leaseMs);
          if (events.length < want) empty = true;
          if (events.length) {
            rounds++;
            inFlight += events.length;
            dispatch(events, (ok) => {
              if (ok) result.processed++;
              else result.failed++;
              inFlight--;
              wake();
            });
            continue;
          }
        }
        if (nudged && claimable) continue;
        if (inFlight === 0) {
          // Handlers may have written new events (a refund): one last look before stopping.
          if (!empty || lastLook || !claimable) break;
          lastLook = true;
          empty = false;
          continue;
        }
        lastLook = false;
        await new Promise<void>((r) => {
          resume = r;
        });
      }
    } finally {
      wakers.delete(wake);
    }
    return result;
  }

  return {
    drain,

    /** New events were written (LISTEN/NOTIFY): look for them now instead of at the next poll. */
    nudge() {
      nudged = true;
      for (const wake of wakers) wake();
      wakePump?.();
    },

    /** Drains continuously: again at once when nudged, else every `intervalMs`. stop() waits for the work in flight. */
    start(intervalMs: number) {
      let stopped = false;
      const loop = (async () => {
        while (!stopped) {
          try {
            // Runs while there is work: under a sale it never ends on a round count and sleeps.
            await drain(Number.POSITIVE_INFINITY, () => stopped);
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
