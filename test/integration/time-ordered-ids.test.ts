import { expect } from 'chai';
import { newId } from '../../src/shared/ids.js';
import { postCheckout, shopperWithCart } from '../support/checkout.js';
import { createProduct } from '../support/fixtures.js';
import { describeOrders } from '../support/orders.js';

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
/** The Unix millisecond a version 7 id starts with. */
const msOf = (id: string) => Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16);

describe('time-ordered ids: the service makes version 7 UUIDs in the order it makes them', () => {
  it('10,000 ids made in a row, many in one millisecond, are distinct and sort as made', () => {
    const made = Array.from({ length: 10_000 }, () => newId());
    for (const id of made) expect(id).to.match(V7);
    expect(new Set(made).size).to.equal(made.length);
    expect([...made].sort()).to.deep.equal(made);
    expect(Math.abs(msOf(made[0]!) - Date.now())).to.be.below(5_000);
  });
});

describeOrders('time-ordered ids: what a checkout writes', ['t'], (stores) => {
  it('uuid_v7(at) starts with the millisecond of at, is version 7 and variant 10, and sorts by it', async () => {
    const store = stores.t;
    const { rows } = await store.container.db.raw<{ rows: { id: string; ms: string }[] }>(
      `SELECT uuid_v7(at)::text AS id, floor(extract(epoch FROM at) * 1000)::bigint AS ms
         FROM generate_series(timestamptz '2021-01-01 00:00:00.123+00', timestamptz '2021-01-01 00:00:02.122+00',
                              interval '1 millisecond') AS at`,
    );
    expect(rows).to.have.length(2_000);
    for (const row of rows) {
      expect(row.id).to.match(V7);
      expect(msOf(row.id)).to.equal(Number(row.ms));
    }
    expect(msOf(rows[0]!.id)).to.equal(Date.UTC(2021, 0, 1, 0, 0, 0, 123));
    const sorted = await store.container.db.raw<{ rows: { id: string }[] }>(
      'SELECT id::text FROM unnest(?::uuid[]) AS id ORDER BY id',
      [rows.map((r) => r.id).reverse()],
    );
    expect(sorted.rows.map((r) => r.id)).to.deep.equal(rows.map((r) => r.id));
    // Ids of one millisecond differ in their random bits.
    const same = await store.container.db.raw<{ rows: { n: string }[] }>(
      `SELECT count(DISTINCT uuid_v7(timestamptz '2030-06-01 12:00:00+00'))::int AS n FROM generate_series(1, 1000)`,
    );
    expect(Number(same.rows[0]!.n)).to.equal(1_000);
  });

  it('a burst of checkouts: orders, reservations, payments and domain events all get ids of their time', async () => {
    const store = stores.t;
    const product = await createProduct(store.container.db, { name: 'Stamp', stock: 100 });
    const shoppers = await Promise.all(
      Array.from({ length: 20 }, () => shopperWithCart(store, [{ product_id: product.id, quantity: 1 }])),
    );
    const before = Date.now();
    const answers = await Promise.all(shoppers.map((s) => postCheckout(store, s).expect(201)));
    await store.container.worker.drain();
    const after = Date.now();
    const orderIds = answers.map((a) => a.body.order_id as string);
    const db = store.container.db;
    const rows = [
      ...(await db('orders').whereIn('id', orderIds).pluck('id')),
      ...(await db('reservations').whereIn('order_id', orderIds).pluck('id')),
      ...(await db('payments').whereIn('order_id', orderIds).pluck('id')),
      ...(await db('domain_events').whereIn('aggregate_id', orderIds).pluck('event_id')),
    ] as string[];
    // One order, one reservation (one line), one charge each; at least the order's creation event.
    expect(rows.length).to.be.at.least(20 * 4);
    for (const id of rows) {
      expect(id).to.match(V7);
      // The database's clock and the service's are this machine's.
      expect(msOf(id)).to.be.within(before - 1_000, after + 1_000);
    }
  });
});
