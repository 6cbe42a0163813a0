import { expect } from 'chai';
import { insertFinishedOrders } from '../../loadtest/archive.js';
import { checkInvariants } from '../../src/audit/invariants.js';
import type { Actor } from '../../src/orders/index.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { createProduct } from '../support/fixtures.js';
import { expectHealthy, placeOrder } from '../support/orders.js';

describe('invariant audit (self-check)', () => {
  let t: TestContext;
  before(async () => {
    t = await createTestContext();
  });
  after(() => t.close());

  it('reports a counter that disagrees with the ledger and an ACTIVE reservation of a non-PENDING order', async () => {
    const p = await createProduct(t.container.db, { stock: 5 });
    const { orderId } = await placeOrder(t, [{ product_id: p.id, quantity: 2 }]);
    await expectHealthy(t);

    await t.container.db('inventory').where({ product_id: p.id }).increment('available_count', 1);
    await t.container.db('orders').where({ id: orderId }).update({ status: 'PAID' });
    const report = await checkInvariants(t.container.db);
    expect(report.ok).to.equal(false);
    expect(report.violations.map((v) => v.name)).to.have.members([
      'conservation',
      'active_reservation_has_pending_order',
      'status_history_valid',
    ]);
  });
});

const admin: Actor = { userId: 'cli:tester', role: 'admin' };

describe('invariant audit: the watchdog covers the orders whose history moved since its last run', () => {
  let t: TestContext;
  before(async () => {
    t = await createTestContext();
  });
  after(() => t.close());

  const names = (report: { violations: { name: string; details: Record<string, unknown> }[] }) =>
    report.violations.map((v) => `${v.name} ${v.details.id ?? ''}`.trim());
  /** History written over a minute ago: an incremental audit covers nothing newer. */
  const ageHistory = (ids: string[]) =>
    t.container.db.raw(
      `UPDATE order_status_history SET created_at = now() - interval '2 minutes' WHERE order_id = ANY(?::uuid[])`,
      [ids],
    );

  it('reports an order once for each change to it, every product every time, and the full audit everything', async () => {
    await t.truncate();
    await t.container.db('ops_counters').where({ name: 'audit_history_seen' }).del();
    const p = await createProduct(t.container.db, { stock: 10, price_cents: 700 });
    const line = [{ product_id: p.id, quantity: 1 }];
    const broken = (await placeOrder(t, line)).orderId;
    const fine = (await placeOrder(t, line)).orderId;
    await t.container.worker.drain();
    await t.container.db('orders').where({ id: broken }).update({ total_cents: 1 });
    await ageHistory([broken, fine]);

    // The first run covers every order with history, and moves the mark past it.
    const first = await checkInvariants(t.container.db, { incremental: true });
    expect(names(first)).to.deep.equal([`order_total ${broken}`]);
    expect(first.checked.orders).to.equal(2);
    // Nothing moved since: the order is not reported again, and no order is read.
    const second = await checkInvariants(t.container.db, { incremental: true });
    expect(second.violations).to.deep.equal([]);
    expect(second.checked.orders).to.equal(0);
    // The full audit still sees it.
    expect(names(await checkInvariants(t.container.db))).to.deep.equal([`order_total ${broken}`]);

    // A change to the broken order (shipped) brings it back; a change younger than a minute waits.
    await t.container.orders.ship(broken, admin, {
      carrier: 'ups',
      tracking_number: '1Z999AA10123456784',
    });
    const young = await checkInvariants(t.container.db, { incremental: true });
    expect(young.checked.orders).to.equal(0);
    await ageHistory([broken]);
    const moved = await checkInvariants(t.container.db, { incremental: true });
    expect(names(moved)).to.deep.equal([`order_total ${broken}`]);
    expect(moved.checked.orders).to.equal(1);

    // Stock is checked whole every time, moved or not.
    await t.container.db('inventory').where({ product_id: p.id }).increment('available_count', 1);
    expect(names(await checkInvariants(t.container.db, { incremental: true }))).to.deep.equal([
      'conservation',
    ]);
    await t.container.db('inventory').where({ product_id: p.id }).decrement('available_count', 1);
    await t.container.db('orders').where({ id: broken }).update({ total_cents: 700 });
  });

  it('covers every moved order however many there are, a chunk of them at a time', async () => {
    await t.truncate();
    await insertFinishedOrders(t.container.db, {
      count: 4_500,
      from: new Date(Date.UTC(new Date().getUTCFullYear() - 7, 0, 1)),
      months: 1,
    });
    // As if none of them had been audited yet.
    await t.container.db('ops_counters').where({ name: 'audit_history_seen' }).del();
    const all = (await t.container.db('orders').orderBy('id').select('id')).map((o: { id: string }) => o.id);
    const broken = [all[0]!, all[2_222]!, all.at(-1)!];
    await t.container.db('orders').whereIn('id', broken).update({ total_cents: 1 });
    const report = await checkInvariants(t.container.db, { incremental: true });
    expect(report.checked.orders).to.equal(4_500);
    expect(names(report).sort()).to.deep.equal(broken.map((id) => `order_total ${id}`).sort());
    // A limit per check holds across the chunks.
    await t.container.db('ops_counters').where({ name: 'audit_history_seen' }).del();
    const limited = await checkInvariants(t.container.db, { incremental: true, limitPerCheck: 2 });
    expect(limited.violations).to.have.length(2);
    await t.container.db('orders').del();
  });

  it("reports a stored answer that names another order, or no order id at all, and not a key's own", async () => {
    await t.truncate();
    const p = await createProduct(t.container.db, { stock: 10, price_cents: 700 });
    const line = [{ product_id: p.id, quantity: 1 }];
    const first = (await placeOrder(t, line)).orderId;
    const second = (await placeOrder(t, line)).orderId;
    await expectHealthy(t);
    const keys = await t.container
      .db('idempotency_keys')
      .where({ response_status: 201 })
      .select('user_id', 'key');
    expect(keys).to.have.length(2);
    const answer = (k: { user_id: string; key: string }, order_id: string) =>
      t.container
        .db('idempotency_keys')
        .where(k)
        .update({
          response_body: t.container.db.raw('jsonb_set(response_body::jsonb, ?::text[], ?::jsonb)::json', [
            '{order_id}',
            JSON.stringify(order_id),
          ]),
        });
    // Each key's answer names the other key's order, then one names something that is not an id.
    const [a, b] = keys as { user_id: string; key: string }[];
    const own = await t.container.db('orders').whereIn('id', [first, second]).select('id', 'idempotency_key');
    const orderOf = (key: string) =>
      own.find((o: { idempotency_key: string }) => o.idempotency_key === key)!.id;
    await answer(a!, orderOf(b!.key));
    await answer(b!, 'not-an-order');
    const report = await checkInvariants(t.container.db);
    expect(report.violations.map((v) => `${v.name} ${v.details.key}`).sort()).to.deep.equal(
      [`replay_points_at_its_order ${a!.key}`, `replay_points_at_its_order ${b!.key}`].sort(),
    );
    await answer(a!, orderOf(a!.key));
    await answer(b!, orderOf(b!.key));
    await expectHealthy(t);
  });
});
