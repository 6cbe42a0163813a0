import { DomainError } from '../shared/errors.js';

export interface SearchGateOptions {
  /** Searches computed at once in this process. */
  concurrency: number;
  /** Searches that may wait for a slot; past them a search is refused at once. */
  queue: number;
  /** The longest a search waits for a slot before it is refused. */
  queueWaitMs: number;
}

/** Seconds a refused client is told to wait: about the time a slot takes to free up. */
const RETRY_AFTER_SECONDS = 1;

/** The 503 of a search refused or stopped under load: the client should retry shortly. */
export const searchBusy = (reason: 'queue_full' | 'queue_wait' | 'timeout') =>
  new DomainError(
    'search_busy',
    reason === 'timeout'
      ? 'The search took too long; try again in a moment'
      : 'Too many searches at once; try again in a moment',
    { reason, retry_after_seconds: RETRY_AFTER_SECONDS },
  );

/**
 * Admission for searches PostgreSQL computes: a few at a time, a short queue behind them, and
 * everything past that refused at once (503 search_busy) rather than queued for seconds behind
 * the pool. Under overload the searches that run still answer in their usual time; the rest are
 * told to come back, and a cached answer never waits here. (Not p-limit: a waiter that gives up
 * must leave the queue, and the counts must be exact when a slot changes hands.)
 */
export function createSearchGate({ concurrency, queue, queueWaitMs }: SearchGateOptions) {
  let running = 0;
  /** FIFO of searches waiting for a slot; a finishing search hands its slot to the first. */
  const waiting: (() => void)[] = [];
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else running--;
  };
  const slot = () =>
    new Promise<void>((resolve, reject) => {
      const start = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        waiting.splice(waiting.indexOf(start), 1);
        reject(searchBusy('queue_wait'));
      }, queueWaitMs);
      waiting.push(start);
    });

  return {
    get running() {
      return running;
    },
    get waiting() {
      return waiting.length;
    },

    async run<T>(work: () => Promise<T>): Promise<T> {
      if (running < concurrency) running++;
      else if (waiting.length >= queue) throw searchBusy('queue_full');
      else await slot();
      try {
        return await work();
      } finally {
        release();
      }
    },
  };
}

export type SearchGate = ReturnType<typeof createSearchGate>;
