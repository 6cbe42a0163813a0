import { expect } from 'chai';
import pino from 'pino';
import { type PeriodicTask, startScheduler } from '../../src/jobs/scheduler.js';
import { advance, deferred, settle, useFakeTimers } from '../support/fake-timers.js';

/** A real logger whose error lines the test can read. */
function capturedLogger() {
  const lines: { msg: string; task?: string; err?: { message: string } }[] = [];
  return {
    logger: pino({ level: 'error' }, { write: (line: string) => lines.push(JSON.parse(line)) }),
    lines,
  };
}

describe('job scheduler (fake timers)', () => {
  useFakeTimers();

  it('runs a task first after one interval, then one interval after each run ends, never overlapping', async () => {
    const runs: ReturnType<typeof deferred<void>>[] = [];
    const { logger } = capturedLogger();
    const scheduler = startScheduler(
      [
        {
          name: 'slow',
          intervalMs: 100,
          run: () => {
            const run = deferred();
            runs.push(run);
            return run.promise;
          },
        },
      ],
      logger,
    );
    await advance(99);
    expect(runs).to.have.length(0);
    await advance(1);
    expect(runs).to.have.length(1);

    // A run that takes 1 s holds the next one back: no second run while it is in flight.
    await advance(1_000);
    expect(runs).to.have.length(1);
    runs[0]!.resolve();
    await advance(99);
    expect(runs).to.have.length(1);
    await advance(1);
    expect(runs).to.have.length(2);

    runs[1]!.resolve();
    await scheduler.stop();
  });

  it('keeps each task on its own interval', async () => {
    const log: string[] = [];
    let now = 0;
    const task = (name: string, intervalMs: number): PeriodicTask => ({
      name,
      intervalMs,
      run: async () => {
        log.push(`${name}@${now}`);
      },
    });
    const scheduler = startScheduler([task('sweep', 300), task('audit', 500)], capturedLogger().logger);
    for (; now < 1_500; ) {
      now += 100;
      await advance(100);
    }
    await scheduler.stop();
    expect(log).to.deep.equal([
      'sweep@300',
      'audit@500',
      'sweep@600',
      'sweep@900',
      'audit@1000',
      'sweep@1200',
      // Both due: audit's timer was set at 1000, sweep's at 1200.
      'audit@1500',
      'sweep@1500',
    ]);
  });

  it('logs a failed run with the task name and keeps the schedule', async () => {
    const { logger, lines } = capturedLogger();
    let calls = 0;
    const scheduler = startScheduler(
      [
        {
          name: 'flaky',
          intervalMs: 50,
          run: async () => {
            calls++;
            if (calls === 1) throw new Error('database went away');
          },
        },
      ],
      logger,
    );
    await advance(50);
    expect(calls).to.equal(1);
    expect(lines.map((l) => [l.msg, l.task, l.err?.message])).to.deep.equal([
      ['periodic task failed', 'flaky', 'database went away'],
    ]);
    await advance(100);
    expect(calls).to.equal(3);
    expect(lines).to.have.length(1);
    await scheduler.stop();
  });

  it('stop() waits for the run in flight, and nothing runs after it', async () => {
    const inFlight = deferred();
    let started = 0;
    let waitingRuns = 0;
    const scheduler = startScheduler(
      [
        {
          name: 'busy',
          intervalMs: 10,
          run: () => {
            started++;
            return inFlight.promise;
          },
        },
        {
          name: 'not-yet-due',
          intervalMs: 1_000,
          run: async () => {
            waitingRuns++;
          },
        },
      ],
      capturedLogger().logger,
    );
    await advance(10);
    expect(started).to.equal(1);

    let stopped = false;
    const stopping = scheduler.stop().then(() => {
      stopped = true;
    });
    await settle();
    expect(stopped).to.equal(false);
    inFlight.resolve();
    await stopping;
    expect(stopped).to.equal(true);

    await advance(5_000);
    expect([started, waitingRuns]).to.deep.equal([1, 0]);
  });
});
