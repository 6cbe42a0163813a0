import type { Logger } from '../shared/logger.js';

/** One item's own failure inside a batch that otherwise succeeded. */
export class ItemFailure {
  constructor(readonly error: unknown) {}
}

export interface BatcherOptions<T, R> {
  /** Runs one batch; answers every item, with an ItemFailure for an item that failed alone (a rejection fails them all). */
  run(items: T[]): Promise<Map<T, R | ItemFailure>>;
  maxSize: number;
  maxWaitMs: number;
  /** Batches allowed in flight at once; more only queue up behind the row locks. */
  concurrency: number;
  logger: Logger;
  onBatch?: (size: number) => void;
}

/**
 * Coalesces concurrent calls into batches (group commit). A batch leaves when it is full, when
 * maxWaitMs has passed since its first item, or, when nothing is in flight, on the next tick: an
 * idle service adds no latency, and a busy one batches more the busier it gets.
 */
export function createBatcher<T, R>(opts: BatcherOptions<T, R>) {
  let queue: { item: T; resolve: (r: R) => void; reject: (e: unknown) => void }[] = [];
  let inFlight = 0;
  let timer: NodeJS.Timeout | undefined;
  let idleWaiters: (() => void)[] = [];

  const flush = () => {
    if (timer) {
      clearTimeout(timer);
      timer = undefined;
    }
    while (queue.length && inFlight < opts.concurrency) {
      const batch = queue.slice(0, opts.maxSize);
      queue = queue.slice(batch.length);
      inFlight++;
      opts.onBatch?.(batch.length);
      opts
        .run(batch.map((b) => b.item))
        .then(
          (results) => {
            for (const b of batch) {
              const result = results.get(b.item);
              if (result === undefined) b.reject(new Error('batch returned no result for an item'));
              else if (result instanceof ItemFailure) b.reject(result.error);
              else b.resolve(result);
            }
          },
          (err) => {
            for (const b of batch) b.reject(err);
          },
        )
        .finally(() => {
          inFlight--;
          if (queue.length) schedule();
          else if (inFlight === 0) {
            for (const w of idleWaiters) w();
            idleWaiters = [];
          }
        });
    }
  };

  const schedule = () => {
    if (queue.length >= opts.maxSize && inFlight < opts.concurrency) return flush();
    if (timer) return;
    if (inFlight === 0) {
      timer = setTimeout(flush, 0);
    } else if (inFlight < opts.concurrency) {
      timer = setTimeout(flush, opts.maxWaitMs);
    }
    // All slots busy: the batch in flight schedules the next one when it finishes.
  };

  return {
    submit(item: T): Promise<R> {
      return new Promise<R>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        schedule();
      });
    },
    /** Resolves once nothing is queued or running (for graceful shutdown). */
    drain(): Promise<void> {
      if (queue.length === 0 && inFlight === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    get pending() {
      return queue.length + inFlight;
    },
  };
}

/**
 * Runs a batch; when its transaction fails as a whole, halves it and runs each half the same way,
 * so a failing item ends up alone and fails alone, and its batch-mates still commit together:
 * about 2·log2(n) extra transactions for one bad item, not n.
 */
export async function runIsolating<T, R>(
  items: T[],
  run: (items: T[]) => Promise<Map<T, R | ItemFailure>>,
  hooks: { onSplit?: (err: unknown, size: number) => void; onAlone?: (item: T, err: unknown) => void } = {},
): Promise<Map<T, R | ItemFailure>> {
  try {
    return await run(items);
  } catch (err) {
    if (items.length === 1) {
      hooks.onAlone?.(items[0]!, err);
      return new Map([[items[0]!, new ItemFailure(err)]]);
    }
    hooks.onSplit?.(err, items.length);
    const mid = Math.ceil(items.length / 2);
    const first = await runIsolating(items.slice(0, mid), run, hooks);
    const second = await runIsolating(items.slice(mid), run, hooks);
    return new Map([...first, ...second]);
  }
}
