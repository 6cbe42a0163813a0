import { expect } from 'chai';
import {
  EVENT_TYPES,
  EventContractError,
  type EventType,
  parseEvent,
  readEvent,
} from '../../src/events/contract.js';
import { type DomainEventRow, toEnvelope } from '../../src/events/envelope.js';
import {
  ORDER_STATUSES,
  type OrderStatus,
  recordTransitions,
  TRANSITIONS,
} from '../../src/orders/state-machine.js';
import { postCheckout, shopperWithCart } from '../support/checkout.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { createProduct } from '../support/fixtures.js';

/**
 * The event contract (src/events/contract.ts) against the triggers that write domain_events: every
 * trigger made to write every kind of event it writes, and every row held to the contract exactly
 * (no field more, none missing, none of another type), both ways: each type the contract lists is
 * written, and each type written is in the contract. A migration that changes a payload fails here.
 */
describe('the domain-event contract', function () {
  this.timeout(60_000);
  let t: TestContext;

  after(() => t?.close());

  const db = () => t.container.db;
  const rows = () => db()('domain_events').orderBy('id').select<DomainEventRow[]>('*');

  /** The rows that break the contract, each with why (an exact parse and the aggregate). */
  const breaches = (events: DomainEventRow[]) =>
    events.flatMap((row) => {
      try {
        parseEvent(row.type, row.data, { exact: true });
        readEvent(toEnvelope(row));
        return [];
      } catch (err) {
        if (!(err instanceof EventContractError)) throw err;
        return [`${row.type} #${row.id}: ${err.reason}`];
      }
    });

  /** The moves from PENDING that reach `to` (a breadth-first walk of the state machine). */
  function pathTo(to: OrderStatus): OrderStatus[] {
    const paths: OrderStatus[][] = [['PENDING']];
    for (const path of paths) {
      const at = path[path.length - 1]!;
      if (at === to) return path;
      for (const next of TRANSITIONS[at]) if (!path.includes(next)) paths.push([...path, next]);
    }
    throw new Error(`no path to ${to}`);
  }

  async function placeOrder(productId: number, quantity = 1) {
    const shopper = await shopperWithCart(t, [{ product_id: productId, quantity }]);
    const res = await postCheckout(t, shopper).expect(201);
    return res.body.order_id as string;
  }

  before('every trigger writes every kind of event', async () => {
    t = await createTestContext();
    // product.created (an insert), then inventory.changed and inventory.low through checkouts: the
    // first takes the available count from 12 to 9, below the threshold of 10.
    const product = await createProduct(db(), { stock: 100, price_cents: 2_500 });
    const low = await createProduct(db(), { stock: 12 });
    await db()('products').where({ id: low.id }).update({ low_stock_threshold: 10 });
    await placeOrder(low.id, 3);

    // Every move of the state machine, each on an order of its own (checkout writes order.created).
    const moves = ORDER_STATUSES.flatMap((from) => TRANSITIONS[from].map((to) => ({ from, to })));
    for (const { from, to } of moves) {
      const orderId = await placeOrder(product.id);
      const path = [...pathTo(from), to];
      await db().transaction(async (trx) => {
        for (let i = 1; i < path.length; i++) {
          const step = { orderId, from: path[i - 1]!, to: path[i]!, reason: `to ${path[i]}` };
          const shipped = step.to === 'SHIPPED' ? { carrier: 'ups', tracking_number: 'T1' } : {};
          await recordTransitions(trx, [step], 'test', shipped);
        }
      });
    }

    // product.updated (a catalog field, and an activation), price.changed.
    await db()('products').where({ id: product.id }).update({ name: 'Renamed', active: false });
    await db()('products').where({ id: product.id }).update({ active: true });
    await db()('products').where({ id: product.id }).update({ price_cents: 2_750 });
  });

  it('every row the triggers wrote keeps the contract exactly', async () => {
    const written = await rows();
    expect(written.length).to.be.greaterThan(EVENT_TYPES.length);
    expect(breaches(written)).to.deep.equal([]);
  });

  it('the triggers write every type the contract lists, and no other', async () => {
    const types = await db()('domain_events').distinct('type').pluck('type');
    expect([...types].sort()).to.deep.equal([...EVENT_TYPES].sort());
  });

  it('fails on a payload a migration changed: a field renamed, retyped, dropped or added', async () => {
    const written = await rows();
    const one = (type: EventType) => written.find((r) => r.type === type)!;
    const changed = (row: DomainEventRow, data: Record<string, unknown>) => ({ ...row, data });

    const paid = one('order.paid');
    const { total_cents, ...rest } = paid.data;
    const price = one('price.changed');
    expect(breaches([changed(paid, { ...rest, total: total_cents })])).to.have.length(1);
    expect(
      breaches([changed(price, { ...price.data, product_id: String(price.data.product_id) })])[0],
    ).to.contain('product_id');
    expect(breaches([changed(paid, { ...paid.data, status: 'SHIPPED' })])).to.have.length(1);
    expect(
      breaches([changed(one('inventory.low'), { ...one('inventory.low').data, note: 'x' })]),
    ).to.have.length(1);
    // An added field breaks the exact contract only: readers drop it (the envelope's rule).
    expect(() => parseEvent('inventory.low', { ...one('inventory.low').data, note: 'x' })).not.to.throw();
    expect(() => parseEvent('order.refunded', paid.data)).to.throw(EventContractError, 'no event type');
    // The aggregate is the one the data names.
    expect(breaches([{ ...paid, aggregate_id: '00000000-0000-4000-8000-000000000000' }])).to.have.length(1);
  });

  it('fails when a trigger is replaced with one that writes another payload', async () => {
    const product = await createProduct(db(), { price_cents: 1_000 });
    const rollBack = new Error('roll back');
    let changed: DomainEventRow[] = [];
    const replaced = db().transaction(async (trx) => {
      // A migration that renames price_cents in price.changed's data; rolled back.
      await trx.raw(`
        CREATE OR REPLACE FUNCTION price_change_events() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          INSERT INTO domain_events (type, aggregate_type, aggregate_id, data)
          SELECT 'price.changed', 'product', n.id::text,
                 jsonb_build_object('product_id', n.id, 'sku', n.sku, 'old_price_cents', o.price_cents,
                                    'new_price_cents', n.price_cents, 'currency', n.currency)
            FROM new_rows n JOIN old_rows o ON o.id = n.id
           WHERE n.price_cents IS DISTINCT FROM o.price_cents;
          RETURN NULL;
        END $$`);
      await trx('products').where({ id: product.id }).update({ price_cents: 1_100 });
      changed = await trx('domain_events')
        .where({ type: 'price.changed', aggregate_id: String(product.id) })
        .select<DomainEventRow[]>('*');
      throw rollBack;
    });
    await replaced.then(
      () => expect.fail('rolled back'),
      (err) => expect(err).to.equal(rollBack),
    );
    expect(changed).to.have.length(1);
    const [reason] = breaches(changed);
    expect(reason).to.contain('price_cents').and.contain('new_price_cents');
  });

  it('the relay refuses an event that breaks the contract: not delivered, marked with the reason', async () => {
    const relay = t.container.relay!;
    await relay.drain();
    const paid = (await rows()).find((r) => r.type === 'order.paid')!;
    const { total_cents: _, ...data } = paid.data;
    const [broken] = await db()('domain_events')
      .insert({ type: 'order.paid', aggregate_type: 'order', aggregate_id: paid.aggregate_id, data })
      .returning<DomainEventRow[]>('*');
    await relay.drain();
    const row = await db()('domain_events').where({ id: broken!.id }).first();
    expect(row.published_at).to.be.a('date');
    expect(row.last_error).to.contain('breaks the event contract').and.contain('total_cents');
    expect(await db()('consumer_inbox').where({ event_id: broken!.event_id })).to.deep.equal([]);
    const refused = await t.container.metrics.eventsRefused.get();
    expect(refused.values.find((v) => v.labels.type === 'order.paid')?.value).to.equal(1);
  });
});
