import { expect } from 'chai';
import { backgroundTasks } from '../../src/jobs/index.js';
import { claimTurn } from '../../src/jobs/runs.js';
import { startScheduler } from '../../src/jobs/scheduler.js';
import { createLogger } from '../../src/shared/logger.js';
import { createTestContext, type TestContext } from '../support/context.js';

describe('periodic tasks in a fleet of processes', () => {
  let t: TestContext;
  before(async () => {
    t = await createTestContext();
  });
  after(() => t.close());

  it('a fleet-wide task turn goes to exactly one of the processes asking at once, and comes back after the interval', async () => {
    const db = t.container.db;
    const asks = await Promise.all(Array.from({ length: 8 }, () => claimTurn(db, 'audit-probe', 300)));
    expect(asks.filter(Boolean)).to.have.length(1);
    expect(await claimTurn(db, 'audit-probe', 300)).to.equal(false);
    await new Promise((r) => setTimeout(r, 300));
    expect(await claimTurn(db, 'audit-probe', 300)).to.equal(true);
  });

  it('three schedulers (three processes): a once task runs once per interval in all, a shared task in each', async () => {
    const runs = { once: 0, shared: 0 };
    const schedulers = [1, 2, 3].map(() =>
      startScheduler(
        [
          { name: 'fleet-once-probe', intervalMs: 200, fleet: 'once', run: async () => void runs.once++ },
          { name: 'fleet-shared-probe', intervalMs: 200, run: async () => void runs.shared++ },
        ],
        createLogger('silent'),
        { claimTurn: (task) => claimTurn(t.container.db, task.name, task.intervalMs) },
      ),
    );
    await new Promise((r) => setTimeout(r, 1_100));
    await Promise.all(schedulers.map((s) => s.stop()));
    // About five intervals: one run each for the fleet, three (one per process) for the shared task.
    expect(runs.once).to.be.within(4, 6);
    expect(runs.shared).to.be.within(12, 18);
  });

  it('whole-store audits and retention run once per interval across the fleet; expiry and the warehouse in every process', () => {
    const fleet = Object.fromEntries(
      backgroundTasks(t.container).map((task) => [task.name, task.fleet ?? 'shared']),
    );
    expect(fleet).to.deep.equal({
      'reservation-sweeper': 'shared',
      fulfillment: 'shared',
      'cart-retention': 'once',
      'invariant-audit': 'once',
      'reconcile-report': 'once',
      'outbox-retention': 'once',
      'event-retention': 'once',
      'idempotency-retention': 'once',
      'consumer-inbox-retention': 'once',
      'event-dead-letters-retention': 'once',
      'notifications-retention': 'once',
      'webhook-events-retention': 'once',
      'api-tokens-retention': 'once',
      'stock-movements-retention': 'once',
      'recommendation-batches-retention': 'once',
      'order-archive': 'once',
      recommendations: 'once',
    });
  });
});
