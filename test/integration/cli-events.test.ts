import { expect } from 'chai';
import { postCheckout, shopperWithCart } from '../support/checkout.js';
import { type Json, shopctl } from '../support/cli.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { createProduct } from '../support/fixtures.js';

describe('shopctl events', function () {
  this.timeout(120_000);
  let t: TestContext;
  let orderId: string;
  const run = (...args: string[]) => shopctl(t, args);

  before(async () => {
    t = await createTestContext();
    const p = await createProduct(t.container.db, { stock: 3, price_cents: 1_250 });
    const shopper = await shopperWithCart(t, [{ product_id: p.id, quantity: 1 }]);
    orderId = (await postCheckout(t, shopper).expect(201)).body.order_id as string;
    await Promise.all(t.container.payments.chargeOrders([orderId]));
  });
  after(() => t.close());

  it('stats counts what waits for the broker, by type, and how old the oldest is', async () => {
    const res = await run('events', 'stats', '--json');
    expect(res.code, res.stderr).to.equal(0);
    const stats = res.json();
    // The product's creation is an event too, and the checkout and the payment each changed its stock.
    expect(stats).to.include({ unpublished: 5, published: 0 });
    expect(stats.by_type.map((r: Json) => [r.type, r.unpublished])).to.deep.equal([
      ['inventory.changed', 2],
      ['order.created', 1],
      ['order.paid', 1],
      ['product.created', 1],
    ]);
    expect(stats.oldest_unpublished_seconds).to.be.within(0, 60);
    const human = await run('events', 'stats');
    expect(human.stdout).to.match(/^waiting: 5 \(oldest .*\); sent: 0/);
  });

  it('list filters by type and aggregate; show gives one event with its data; replay sends it again', async () => {
    const listed = await run('events', 'list', '--aggregate', orderId, '--json');
    expect(listed.json().events.map((e: Json) => e.type)).to.deep.equal(['order.paid', 'order.created']);
    const paid = (await run('events', 'list', '--type', 'order.paid', '--waiting', '--json')).json().events;
    expect(paid).to.have.length(1);

    const shown = await run('events', 'show', paid[0].event_id, '--json');
    expect(shown.json().data).to.include({ order_id: orderId, status: 'PAID' });
    expect((await run('events', 'show', String(paid[0].id))).stdout).to.contain('waiting for the broker');

    await t.container.db('domain_events').update({ published_at: t.container.db.fn.now() });
    const replayed = await run('events', 'replay', paid[0].event_id, '--json');
    expect(replayed.code, replayed.stderr).to.equal(0);
    expect(replayed.json().published_at).to.equal(null);
    expect((await run('events', 'stats', '--json')).json()).to.include({ unpublished: 1, published: 4 });
  });

  it('products low-stock sets a threshold (in the audit log), "default" clears it, a bad one is refused', async () => {
    const p = await createProduct(t.container.db, { sku: 'LOW-1', stock: 20 });
    const set = await run('products', 'low-stock', 'LOW-1', '15', '--reason', 'fast seller', '--json');
    expect(set.code, set.stderr).to.equal(0);
    expect((await t.container.db('products').where({ id: p.id }).first()).low_stock_threshold).to.equal(15);
    const audit = await t.container.db('admin_audit_log').where({ action: 'product.low_stock_threshold' });
    expect(audit.map((a) => [a.subject_id, a.after.low_stock_threshold, a.reason])).to.deep.equal([
      ['LOW-1', 15, 'fast seller'],
    ]);
    await run('products', 'low-stock', 'LOW-1', 'default');
    expect((await t.container.db('products').where({ id: p.id }).first()).low_stock_threshold).to.equal(null);
    const bad = await run('products', 'low-stock', 'LOW-1', '-3');
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.contain(
      "error: command-argument value '-3' is invalid for argument 'threshold'. Expected a whole number from 0 to 1000000, or \"default\".",
    );
  });

  it('refuses an unknown event and a bad limit', async () => {
    const unknown = await run('events', 'show', '00000000-0000-0000-0000-000000000000');
    expect(unknown.code).to.equal(1);
    expect(unknown.stderr).to.contain('No domain event');
    const bad = await run('events', 'list', '--limit', '0');
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.contain('--limit');
  });
});
