import { expect } from 'chai';
import { checkInvariants } from '../../src/audit/invariants.js';
import type { OrderStatus } from '../../src/orders/state-machine.js';
import { postCheckout, shopperWithCart } from './checkout.js';
import { createTestContext, type TestContext } from './context.js';
import type { createUser } from './fixtures.js';

export type User = Awaited<ReturnType<typeof createUser>>;
export type Line = { product_id: number; quantity: number };

export const CHECKOUT_STRATEGIES = ['group-commit', 'row-lock'] as const;
export const TRACKING = '1Z999AA10123456784';

/**
 * The stores an orders test may ask for. In `t` reservations last the default 10 minutes, so
 * nothing expires unless a test says so; in `short` they last 300 ms, for expiry and late payments.
 */
const RESERVATION_TTL = { t: '10m', short: '300ms' } as const;
export type OrderStoreName = keyof typeof RESERVATION_TTL;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Declares `title` once per checkout strategy, with the stores named in `names` (each its own
 * database). Every test starts from an empty store, so outbox drains and sweeps see only its own
 * orders, and the invariant audit runs after each test.
 */
export function describeOrders<N extends OrderStoreName>(
  title: string,
  names: readonly N[],
  body: (stores: Record<N, TestContext>) => void,
) {
  for (const strategy of CHECKOUT_STRATEGIES) {
    describe(`${title} (${strategy})`, function () {
      this.timeout(60_000);
      const stores = {} as Record<N, TestContext>;
      const each = () => names.map((name) => stores[name]);
      before(async () => {
        const created = await Promise.all(
          names.map((name) =>
            createTestContext({ CHECKOUT_STRATEGY: strategy, RESERVATION_TTL: RESERVATION_TTL[name] }),
          ),
        );
        names.forEach((name, i) => {
          stores[name] = created[i]!;
        });
      });
      after(() => Promise.all(each().map((t) => t?.close())));
      beforeEach(() => Promise.all(each().map((t) => t.truncate())));
      afterEach(async () => {
        for (const t of each()) await expectHealthy(t);
      });
      body(stores);
    });
  }
}

export const reservationsOf = async (t: TestContext, orderId: string) =>
  (
    await t.container
      .db('reservations')
      .where({ order_id: orderId })
      .orderBy([{ column: 'created_at' }, { column: 'product_id' }])
      .select('product_id', 'quantity', 'state')
  ).map((r) => [r.product_id, r.quantity, r.state]);

export const ledgerOf = async (t: TestContext, orderId: string) =>
  (
    await t.container
      .db('stock_movements')
      .where({ order_id: orderId })
      .orderBy('id')
      .select('product_id', 'kind', 'quantity')
  ).map((m) => [m.product_id, m.kind, m.quantity]);

export const historyOf = async (t: TestContext, orderId: string) =>
  (
    await t.container
      .db('order_status_history')
      .where({ order_id: orderId })
      .orderBy('id')
      .select('from_status', 'to_status')
  ).map((h) => [h.from_status, h.to_status]);

export const paymentsOf = (t: TestContext, orderId: string) =>
  t.container
    .db('payments')
    .where({ order_id: orderId })
    .orderBy([{ column: 'kind' }, { column: 'created_at' }]);

export const eventsOf = async (t: TestContext, orderId: string) =>
  (await t.container.db('outbox_events').where({ aggregate_id: orderId }).orderBy('id')).map((e) => e.topic);

export const statusOf = async (t: TestContext, orderId: string) =>
  (await t.container.db('orders').where({ id: orderId }).first('status')).status as OrderStatus;

export async function expectHealthy(t: TestContext) {
  const report = await checkInvariants(t.container.db);
  expect(report.violations).to.deep.equal([]);
  expect(report.ok).to.equal(true);
}

/** A fresh customer checks out `lines`; answers the order id and the checkout body. */
export async function placeOrder(t: TestContext, lines: Line[], paymentMethod = 'pm_card_visa') {
  const shopper = await shopperWithCart(t, lines);
  const res = await postCheckout(t, shopper, { payment_method: paymentMethod }).expect(201);
  return { shopper, orderId: res.body.order_id as string, body: res.body };
}

/** A second (third, …) order for an existing user: a new cart, then checkout. */
export async function orderAgain(t: TestContext, user: User, lines: Line[]) {
  let cartId = '';
  for (const line of lines) {
    cartId = (await t.request().post('/cart/items').set(user.auth).send(line).expect(200)).body.cart_id;
  }
  const res = await postCheckout(t, { auth: user.auth, cartId }).expect(201);
  return res.body.order_id as string;
}

/** Polls the database clock (the one the sweeper uses) until every reservation of these orders is due. */
export async function waitUntilDue(t: TestContext, orderIds: string[], timeoutMs = 5_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await t.container.db.raw<{ rows: { n: number }[] }>(
      'SELECT count(*)::int AS n FROM reservations WHERE order_id = ANY(?::uuid[]) AND expires_at > now()',
      [orderIds],
    );
    if (rows[0]!.n === 0) return;
    if (Date.now() > until) throw new Error(`reservations of ${orderIds.join(', ')} never became due`);
    await sleep(25);
  }
}
