import { mock } from 'node:test';

/** Lets every promise chain that is ready settle (setImmediate is left real). */
export const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Replaces setTimeout/clearTimeout with Node's mock timers for each test of the calling describe
 * (mocha keeps its own references to the real ones, so test timeouts still work).
 */
export function useFakeTimers() {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
  afterEach(() => mock.timers.reset());
}

/**
 * Moves the fake clock forward `ms` milliseconds, one at a time, letting promises settle after
 * each: a timer that a promise callback sets fires at the same fake time a real one would.
 */
export async function advance(ms: number) {
  await settle();
  for (let i = 0; i < ms; i++) {
    mock.timers.tick(1);
    await settle();
  }
}

/** A promise the test settles by hand. */
export function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
