import type { Logger } from '../shared/logger.js';

export interface PeriodicTask {
  name: string;
  intervalMs: number;
  /**
   * 'shared' (the default): every process runs it, sharing the rows out (SKIP LOCKED), so the work
   * keeps its pace when a process dies. 'once': a whole-store scan or delete one run per interval
   * serves the fleet, so each interval one process takes the turn (`claimTurn`) and the others skip.
   */
  fleet?: 'shared' | 'once';
  /**
   * A 'once' task's timer, where it differs from its interval: a daily task whose timer waited a
   * day from each process's start would never run in a fleet redeployed more often than daily.
   * Its timer fires this often, and the turn (taken at most once per interval) decides.
   */
  checkEveryMs?: number;
  run(): Promise<unknown>;
}

export interface SchedulerOptions {
  /** Takes a 'once' task's turn for this process; without it (one process, tests) every turn is taken. */
  claimTurn?: (task: PeriodicTask) => Promise<boolean>;
}

/**
 * Runs each task on its interval, never overlapping with itself. Every process runs a scheduler
 * and there is no leader election: shared tasks are safe in every process at once, and a 'once'
 * task runs where its turn was taken. stop() waits for runs in flight.
 */
export function startScheduler(tasks: PeriodicTask[], logger: Logger, options: SchedulerOptions = {}) {
  const { claimTurn } = options;
  const runTask = async (task: PeriodicTask) => {
    if (task.fleet === 'once' && claimTurn && !(await claimTurn(task))) return;
    await task.run();
  };
  let stopped = false;
  const timers = new Set<NodeJS.Timeout>();
  const inFlight = new Set<Promise<void>>();

  const schedule = (task: PeriodicTask) => {
    if (stopped) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      const run = runTask(task)
        .then(
          () => undefined,
          (err) => logger.error({ err, task: task.name }, 'periodic task failed'),
        )
        .finally(() => {
          inFlight.delete(run);
          schedule(task);
        });
      inFlight.add(run);
    }, task.checkEveryMs ?? task.intervalMs);
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
