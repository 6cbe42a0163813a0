import type { Logger } from '../shared/logger.js';

export interface PeriodicTask {
  name: string;
  intervalMs: number;
  run(): Promise<unknown>;
}

/**
 * Runs each task on its interval, never overlapping with itself. The tasks are safe to run in
 * every process at once (they claim rows with SKIP LOCKED or are idempotent deletes), so there
 * is no leader election. stop() waits for runs in flight.
 */
export function startScheduler(tasks: PeriodicTask[], logger: Logger) {
  let stopped = false;
  const timers = new Set<NodeJS.Timeout>();
  const inFlight = new Set<Promise<void>>();

  const schedule = (task: PeriodicTask) => {
    if (stopped) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      const run = task
        .run()
        .then(
          () => undefined,
          (err) => logger.error({ err, task: task.name }, 'periodic task failed'),
        )
        .finally(() => {
          inFlight.delete(run);
          schedule(task);
        });
      inFlight.add(run);
    }, task.intervalMs);
    timer.unref();
    timers.add(timer);
  };
  for (const task of tasks) schedule(task);

  return {
    async stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      await Promise.allSettled([...inFlight]);
    },
  };
}
