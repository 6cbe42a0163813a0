import { expect } from 'chai';
import { createContainer } from '../../src/container.js';
import { DUE_ORDERS_SQL, lockDueOrders } from '../../src/inventory/reservations.js';
import type { TestContext } from '../support/context.js';
import { createProduct } from '../support/fixtures.js';
import {
  describeOrders,
  historyOf,
  ledgerOf,
  paymentsOf,
  placeOrder,
  reservationsOf,
  statusOf,
  waitUntilDue,
} from '../support/orders.js';
import { scansOf } from '../support/plans.js';
import { stockOf } from '../support/stock.js';

describeOrders('orders: expiry', ['short'], (stores) => {
  let short: TestContext;
  before(() => {
    ({ short } = stores);
  });

  it('the sweeper expires a due order, releases its stock, and it is never charged', async () => {
    const p = await createProduct(short.container.db, { stock: 5 });
    const q = await createProduct(short.container.db, { stock: 2 });
    const { orderId, shopper } = await placeOrder(short, [
      { product_id: p.id, quantity: 3 },
      { product_id: q.id, quantity: 2 },
    ]);
    expect(await stockOf(short, p.id)).to.deep.equal({ available: 2, reserved: 3, sold: 0 });
    expect(await stockOf(short, q.id)).to.deep.equal({ available: 0, reserved: 2, sold: 0 });

    await waitUntilDue(short, [orderId]);
    expect(await short.container.sweep()).to.deep.equal({ orders: 1, units: 5 });
    expect(await statusOf(short, orderId)).to.equal('EXPIRED');
    expect(await reservationsOf(short, orderId)).to.deep.equal([
      [p.id, 3, 'RELEASED'],
      [q.id, 2, 'RELEASED'],
    ]);
    expect(await stockOf(short, p.id)).to.deep.equal({ available: 5, reserved: 0, sold: 0 });
    expect(await stockOf(short, q.id)).to.deep.equal({ available: 2, reserved: 0, sold: 0 });
    const history = (await short.request().get(`/orders/${orderId}`).set(shopper.auth).expect(200)).body
      .status_history;
    expect(history[1]).to.include({
      from: 'PENDING',
      to: 'EXPIRED',
      reason: 'reservation expired',
      actor: 'sweeper',
    });

    // Nothing left to sweep; the queued payment finds the order expired and charges nothing.
    expect(await short.container.sweep()).to.deep.equal({ orders: 0, units: 0 });
    expect(await short.container.worker.drain()).to.deep.equal({ processed: 1, failed: 0 });
    expect(await paymentsOf(short, orderId)).to.deep.equal([]);
    expect(await statusOf(short, orderId)).to.equal('EXPIRED');
    expect(await historyOf(short, orderId)).to.deep.equal([
      [null, 'PENDING'],
      ['PENDING', 'EXPIRED'],
    ]);
  });

  it('concurrent sweeps, in one process and in two, release each order exactly once', async () => {
    const p = await createProduct(short.container.db, { stock: 30 });
    const q = await createProduct(short.container.db, { stock: 30 });
    const orders = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        placeOrder(short, [
          { product_id: p.id, quantity: 1 + (i % 3) },
          { product_id: q.id, quantity: 2 },
        ]),
      ),
    );
    const ids = orders.map((o) => o.orderId);
    const pUnits = Array.from({ length: 8 }, (_, i) => 1 + (i % 3)).reduce((a, b) => a + b, 0);
    expect(await stockOf(short, p.id)).to.deep.equal({
      available: 30 - pUnits,
      reserved: pUnits,
      sold: 0,
    });
    await waitUntilDue(short, ids);

    const other = createContainer(short.container.config);
    try {
      const rounds = await Promise.all([
        short.container.sweep(),
        short.container.sweep(),
        other.sweep(),
        other.sweep(),
      ]);
      expect(rounds.reduce((n, r) => n + r.orders, 0)).to.equal(8);
      expect(rounds.reduce((n, r) => n + r.units, 0)).to.equal(pUnits + 16);
    } finally {
      await other.close();
    }

    expect(await stockOf(short, p.id)).to.deep.equal({ available: 30, reserved: 0, sold: 0 });
    expect(await stockOf(short, q.id)).to.deep.equal({ available: 30, reserved: 0, sold: 0 });
    for (const id of ids) {
      expect(await statusOf(short, id)).to.equal('EXPIRED');
      expect(await historyOf(short, id)).to.deep.equal([
        [null, 'PENDING'],
        ['PENDING', 'EXPIRED'],
      ]);
      const ledger = await ledgerOf(short, id);
      expect(ledger.filter(([, kind]) => kind === 'released')).to.have.length(2);
      expect(ledger.filter(([product, kind]) => kind === 'released' && product === p.id)).to.have.length(1);
      expect(ledger.filter(([product, kind]) => kind === 'released' && product === q.id)).to.have.length(1);
      expect((await reservationsOf(short, id)).map(([, , state]) => state)).to.deep.equal([
        'RELEASED',
        'RELEASED',
      ]);
    }
    const { rows } = await short.container.db.raw<{ rows: { n: number }[] }>(
      "SELECT count(*)::int AS n FROM stock_movements WHERE kind = 'released'",
    );
    expect(rows[0]!.n).to.equal(16);
  });

  it('a sweep during a sale reads the ACTIVE reservations once, not once per PENDING order, whatever the statistics', async () => {
    const db = short.container.db;
    const p = await createProduct(db, { stock: 10 });
    // All of it in one transaction, rolled back: the 2,000 orders never meet the invariants' audit.
    const trx = await db.transaction();
    try {
      // Statistics taken while no order waits, as between two sales: past sales' orders, paid, and
      // their reservations, confirmed.
      await trx.raw('SET LOCAL session_replication_role = replica');
      await trx.raw(
        `WITH o AS (
           INSERT INTO orders (user_id, status, total_cents, shipping_address, payment_method)
           SELECT gen_random_uuid(), 'PAID', 100, '{}', 'pm_card_visa' FROM generate_series(1, 5000)
           RETURNING id
         )
         INSERT INTO reservations (order_id, product_id, quantity, state, expires_at)
         SELECT id, :product, 1, 'CONFIRMED', now() - interval '1 hour' FROM o`,
        { product: p.id },
      );
      await trx.raw('ANALYZE orders, reservations');
      // Then a sale: 2,000 PENDING orders holding ACTIVE reservations of one product, three of them due.
      const { rows: placed } = await trx.raw<{ rows: { id: string; due: boolean }[] }>(
        `WITH o AS (
           INSERT INTO orders (user_id, status, total_cents, shipping_address, payment_method)
           SELECT gen_random_uuid(), 'PENDING', 100, '{}', 'pm_card_visa' FROM generate_series(1, 2000)
           RETURNING id
         ), n AS (SELECT id, row_number() OVER (ORDER BY id) AS k FROM o)
         INSERT INTO reservations (order_id, product_id, quantity, expires_at)
         SELECT id, :product, 1, CASE WHEN k <= 3 THEN now() - interval '1 minute' ELSE now() + interval '10 minutes' END
           FROM n
         RETURNING order_id AS id, expires_at <= now() AS due`,
        { product: p.id },
      );
      const due = placed.filter((r) => r.due).map((r) => r.id);
      expect(due).to.have.length(3);
      const scans = await scansOf(trx, DUE_ORDERS_SQL, [100], 'reservations');
      expect(scans).to.have.length.above(0);
      // Each ACTIVE reservation read at most once (EXPLAIN's rows are per loop): 2,000, not 2,000 × 2,000.
      for (const scan of scans) {
        expect(scan.loops, JSON.stringify(scans)).to.equal(1);
        expect(scan.rows * scan.loops, JSON.stringify(scans)).to.be.at.most(2_000);
      }
      // And the claim is exactly the due orders.
      const claimed = await lockDueOrders(trx, 100);
      expect(claimed.map((c) => c.id).sort()).to.deep.equal([...due].sort());
    } finally {
      await trx.rollback();
    }
  });

  it('a bounded sweep claims up to `limit` due orders, counting orders (not reservation lines) and skipping locked ones', async () => {
    const p = await createProduct(short.container.db, { stock: 20 });
    const q = await createProduct(short.container.db, { stock: 20 });
    const ids: string[] = [];
    // One after another, so the first order's reservations are the oldest.
    for (let i = 0; i < 3; i++) {
      ids.push(
        (
          await placeOrder(short, [
            { product_id: p.id, quantity: 1 },
            { product_id: q.id, quantity: 1 },
          ])
        ).orderId,
      );
    }
    await waitUntilDue(short, ids);

    // A payment holds the oldest order's lock while the sweeper runs with a batch of one.
    const [first, second, third] = ids as [string, string, string];
    let releaseLock!: () => void;
    const held = new Promise<void>((r) => {
      releaseLock = r;
    });
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => {
      locked = r;
    });
    const holder = short.container.db.transaction(async (trx) => {
      await trx('orders').where({ id: first }).forUpdate().first();
      locked();
      await held;
    });
    await isLocked;
    try {
      const one = await short.container.settlement.releaseExpiredReservations(1);
      expect(one.orders).to.equal(1);
      expect(one.orderIds).to.have.length(1);
      expect([second, third]).to.include(one.orderIds[0]);
    } finally {
      releaseLock();
      await holder;
    }
    const two = await short.container.settlement.releaseExpiredReservations(2);
    expect(two.orders).to.equal(2);
    expect(two.units).to.equal(4);
    expect(await short.container.settlement.releaseExpiredReservations(2)).to.include({
      orders: 0,
      units: 0,
    });
    for (const id of ids) expect(await statusOf(short, id)).to.equal('EXPIRED');
    expect(await stockOf(short, p.id)).to.deep.equal({ available: 20, reserved: 0, sold: 0 });
  });
});
