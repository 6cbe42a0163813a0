import { expect } from 'chai';
import { backgroundTasks } from '../../src/jobs/index.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { createUser } from '../support/fixtures.js';

describe('background jobs', () => {
  let t: TestContext;
  before(async () => {
    t = await createTestContext();
  });
  after(() => t.close());

  const task = (name: string) => {
    const found = backgroundTasks(t.container).find((x) => x.name === name);
    if (!found) throw new Error(`no task ${name}`);
    return found;
  };

  it('deletes outbox events processed over a week ago, and nothing pending or recent', async () => {
    const db = t.container.db;
    await db('outbox_events').insert([
      { topic: 'payment.requested', aggregate_id: 'old', processed_at: db.raw("now() - interval '8 days'") },
      {
        topic: 'payment.requested',
        aggregate_id: 'recent',
        processed_at: db.raw("now() - interval '1 day'"),
      },
      { topic: 'payment.requested', aggregate_id: 'pending' },
      { topic: 'payment.requested', aggregate_id: 'parked', failed_at: db.raw("now() - interval '30 days'") },
    ]);
    await task('outbox-retention').run();
    const left = (await db('outbox_events').orderBy('id').select('aggregate_id')).map((r) => r.aggregate_id);
    expect(left).to.deep.equal(['recent', 'pending', 'parked']);
  });

  it('deletes idempotency keys past their expiry only', async () => {
    const db = t.container.db;
    const user = await createUser(t.container);
    await db('idempotency_keys').insert([
      {
        user_id: user.id,
        key: 'expired',
        request_hash: 'h',
        expires_at: db.raw("now() - interval '1 minute'"),
      },
      { user_id: user.id, key: 'live', request_hash: 'h', expires_at: db.raw("now() + interval '1 hour'") },
    ]);
    await task('idempotency-retention').run();
    const keys = (await db('idempotency_keys').where({ user_id: user.id }).select('key')).map((r) => r.key);
    expect(keys).to.deep.equal(['live']);
  });
});
