import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { insertFinishedOrders } from '../../loadtest/archive.js';
import { up as trimWebhookPayloads } from '../../migrations/20261223000001_webhook_payloads_trimmed.js';
import { checkInvariants } from '../../src/audit/invariants.js';
import {
  CARRIED_FORWARD_ACTOR,
  LEDGER_BALANCES_SQL,
  ledgerRetention,
  type Movement,
  movementDeltas,
} from '../../src/inventory/ledger.js';
import { backgroundTasks } from '../../src/jobs/index.js';
import { trimStripeEvent } from '../../src/payments/webhooks.js';
import { postCheckout, shopperWithCart } from '../support/checkout.js';
import { type Json, shopctl } from '../support/cli.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { createProduct, createUser } from '../support/fixtures.js';

/** A PaymentIntent event as Stripe sends it, secrets and all. */
const stripeEvent = (id: string) => ({
  id,
  object: 'event',
  type: 'payment_intent.succeeded',
  created: 1_767_225_600,
  livemode: false,
  api_version: '2025-01-27',
  request: { id: 'req_1', idempotency_key: 'order:x:charge' },
  data: {
    object: {
      id: 'pi_123',
      object: 'payment_intent',
      status: 'succeeded',
      amount: 2_500,
      amount_received: 2_500,
      currency: 'usd',
      client_secret: 'pi_123_secret_abc',
      metadata: { order_id: 'x' },
      latest_charge: { billing_details: { email: 'ada@example.com', address: { line1: '12 Row' } } },
      payment_method: 'pm_card_visa',
    },
  },
});

describe('retention rules', function () {
  this.timeout(120_000);
  let t: TestContext;
  let archiveDir: string;
  before(async () => {
    archiveDir = await mkdtemp(path.join(tmpdir(), 'shop-retention-'));
    t = await createTestContext({ ARCHIVE_DIR: archiveDir, ORDER_RETENTION: '5y' });
  });
  after(async () => {
    await t.close();
    await rm(archiveDir, { recursive: true, force: true });
  });
  beforeEach(() => t.truncate());

  const db = () => t.container.db;
  const ago = (interval: string) => db().raw(`now() - interval '${interval}'`);
  const task = (name: string) => {
    const found = backgroundTasks(t.container).find((x) => x.name === name);
    if (!found) throw new Error(`no periodic task ${name}`);
    expect(found.fleet).to.equal('once');
    return found;
  };

  /** Each product's (available, reserved, sold) as the whole ledger adds it up. */
  const ledgerBalance = async () => {
    const { rows } = await db().raw<{ rows: Record<string, string>[] }>(LEDGER_BALANCES_SQL);
    return Object.fromEntries(
      rows.map((r) => [
        r.product_id,
        { available: Number(r.available), reserved: Number(r.reserved), sold: Number(r.sold) },
      ]),
    );
  };
  /** The same, for some lines only. */
  const ledgerDeltas = (lines: Movement[]) =>
    Object.fromEntries(
      [...movementDeltas(lines.map((l) => ({ ...l, product_id: Number(l.product_id) }))).entries()].map(
        ([id, d]) => [String(id), d],
      ),
    );

  it('api_tokens: expired or revoked over 7 days ago go; live ones and recent ends stay', async () => {
    const user = await createUser(t.container);
    const token = (name: string, row: Record<string, unknown>) =>
      db()('api_tokens').insert({ user_id: user.id, token_hash: randomUUID(), name, ...row });
    await token('expired-8d', { expires_at: ago('8 days') });
    await token('revoked-8d', {
      expires_at: db().raw("now() + interval '20 days'"),
      revoked_at: ago('8 days'),
    });
    await token('expired-6d', { expires_at: ago('6 days') });
    await token('revoked-6d', { revoked_at: ago('6 days') });
    await token('no-expiry', {});
    await task('api-tokens-retention').run();
    const left = (await db()('api_tokens').orderBy('name').select('name')).map(
      (r: { name: string }) => r.name,
    );
    expect(left).to.deep.equal(['expired-6d', 'no-expiry', 'revoked-6d', 'test']);
  });

  it('consumer_inbox: 30 days after processing, only once its event left domain_events and the dead letters', async () => {
    const gone = randomUUID();
    const stored = randomUUID();
    const deadLettered = randomUUID();
    const recent = randomUUID();
    await db()('domain_events').insert({
      event_id: stored,
      type: 'order.paid',
      aggregate_type: 'order',
      aggregate_id: randomUUID(),
      data: {},
    });
    await db()('event_dead_letters').insert({
      consumer: 'notifications',
      event_id: deadLettered,
      envelope: {},
      error: 'boom',
      deliveries: 5,
    });
    await db()('consumer_inbox').insert([
      { consumer: 'notifications', event_id: gone, processed_at: ago('31 days') },
      { consumer: 'notifications', event_id: stored, processed_at: ago('31 days') },
      { consumer: 'notifications', event_id: deadLettered, processed_at: ago('31 days') },
      { consumer: 'fulfillment', event_id: deadLettered, processed_at: ago('31 days') },
      { consumer: 'notifications', event_id: recent, processed_at: ago('29 days') },
    ]);
    await task('consumer-inbox-retention').run();
    const left = await db()('consumer_inbox')
      .orderBy(['event_id', 'consumer'])
      .select('consumer', 'event_id');
    expect(left).to.deep.equal(
      [
        { consumer: 'notifications', event_id: stored },
        { consumer: 'notifications', event_id: deadLettered },
        { consumer: 'notifications', event_id: recent },
      ].sort((a, b) => a.event_id.localeCompare(b.event_id)),
    );
  });

  it('event_dead_letters after 30 days; notifications after a year; webhook_events after 90 days', async () => {
    await db()('event_dead_letters').insert([
      {
        consumer: 'fulfillment',
        event_id: randomUUID(),
        envelope: {},
        error: 'old',
        deliveries: 5,
        created_at: ago('31 days'),
      },
      {
        consumer: 'fulfillment',
        event_id: randomUUID(),
        envelope: {},
        error: 'new',
        deliveries: 5,
        created_at: ago('29 days'),
      },
    ]);
    const note = (message: string, created: string) => ({
      audience: 'admins',
      kind: 'inventory.low',
      message,
      event_id: randomUUID(),
      created_at: ago(created),
    });
    await db()('notifications').insert([note('old', '366 days'), note('new', '300 days')]);
    await db()('webhook_events').insert([
      { id: 'evt_old', provider: 'stripe', type: 'x', payload: {}, received_at: ago('91 days') },
      { id: 'evt_new', provider: 'stripe', type: 'x', payload: {}, received_at: ago('89 days') },
    ]);
    await task('event-dead-letters-retention').run();
    await task('notifications-retention').run();
    await task('webhook-events-retention').run();
    expect((await db()('event_dead_letters').select('error')).map((r: Json) => r.error)).to.deep.equal([
      'new',
    ]);
    expect((await db()('notifications').select('message')).map((r: Json) => r.message)).to.deep.equal([
      'new',
    ]);
    expect((await db()('webhook_events').select('id')).map((r: Json) => r.id)).to.deep.equal(['evt_new']);
  });

  it('the daily order-archive task archives whole months older than ORDER_RETENTION, and nothing newer', async () => {
    const year = new Date().getUTCFullYear();
    await insertFinishedOrders(db(), { count: 300, from: new Date(Date.UTC(year - 6, 0, 1)), months: 2 });
    await insertFinishedOrders(db(), { count: 50, from: new Date(Date.UTC(year - 4, 0, 1)), months: 1 });
    await task('order-archive').run();
    const { rows } = await db().raw<{ rows: { year: number; n: number }[] }>(
      'SELECT extract(year FROM created_at)::int AS year, count(*)::int AS n FROM orders GROUP BY 1',
    );
    expect(rows).to.deep.equal([{ year: year - 4, n: 50 }]);
    const files = (await readdir(archiveDir)).filter((f) => f.endsWith('.jsonl.gz')).sort();
    expect(files.map((f) => f.slice(0, 'orders-YYYY-MM'.length))).to.deep.equal([
      `orders-${year - 6}-01`,
      `orders-${year - 6}-02`,
    ]);
  });

  it('stock_movements: lines older than ORDER_RETENTION fold into carried-forward lines that add up the same, while checkouts run', async () => {
    const a = await createProduct(db(), { stock: 60 });
    const b = await createProduct(db(), { stock: 30 });
    const buy = async (n: number, payment_method?: string) => {
      const shoppers = await Promise.all(
        Array.from({ length: n }, () => shopperWithCart(t, [{ product_id: a.id, quantity: 2 }])),
      );
      return Promise.all(shoppers.map((s) => postCheckout(t, s, { payment_method })));
    };
    // Years ago: paid and declined checkouts (reserved, sold, released lines) and two adjustments.
    expect((await buy(5)).map((r) => r.status)).to.deep.equal([201, 201, 201, 201, 201]);
    await buy(2, 'pm_card_chargeDeclined');
    await t.container.worker.drain();
    await t.container.inventory.adjustStock(b.sku, -3, { actor: 'admin:test', reason: 'shrinkage' });
    await t.container.inventory.adjustStock(b.sku, 5, { actor: 'admin:test', reason: 'found' });
    await db().raw("UPDATE stock_movements SET created_at = now() - interval '6 years'");
    const oldLines = Number((await db()('stock_movements').count({ n: '*' }))[0]!.n);
    const oldBalance = await ledgerBalance();
    const rule = ledgerRetention(t.container.config.archive.orderRetentionMs);
    expect(await rule.due(db())).to.equal(oldLines);
    expect(task('stock-movements-retention').name).to.equal('stock-movements-retention');

    // Folded while new checkouts on the same product take and write their own lines.
    const [checkouts, folded] = await Promise.all([buy(8), rule.purge!(db())]);
    expect(checkouts.map((r) => r.status)).to.deep.equal(Array(8).fill(201));
    expect(folded).to.equal(oldLines);

    const carried = await db()('stock_movements')
      .where({ actor: CARRIED_FORWARD_ACTOR })
      .select('product_id', 'kind', 'quantity');
    // At most three lines a product, moving exactly what the folded lines moved.
    expect(carried.length).to.be.within(2, 6);
    expect(ledgerDeltas(carried)).to.deep.equal(oldBalance);
    expect(await rule.due(db())).to.equal(0);
    // The counters still equal the ledger (invariant 2), and a second run has nothing to fold.
    expect((await checkInvariants(db())).violations).to.deep.equal([]);
    expect(await rule.purge!(db())).to.equal(0);
    await db().raw("UPDATE stock_movements SET created_at = now() - interval '6 years' WHERE actor <> ?", [
      CARRIED_FORWARD_ACTOR,
    ]);
    // Folding again takes the earlier carried-forward lines in: still at most three a product.
    await rule.purge!(db());
    const after = await db()('stock_movements').select('product_id', 'kind', 'quantity', 'actor');
    expect(after.every((m: { actor: string }) => m.actor === CARRIED_FORWARD_ACTOR)).to.equal(true);
    expect(after.length).to.be.at.most(6);
    expect((await checkInvariants(db())).violations).to.deep.equal([]);
  });

  it('recommendation_batches: the run log keeps a year, and never the served batch', async () => {
    const batch = (generation: number, finished: string) => ({
      generation,
      started_at: ago(finished),
      finished_at: ago(finished),
      duration_ms: 1,
      window_seconds: 1,
      min_support: 2,
      orders: 0,
      products: 0,
      recommendations: 0,
    });
    await db()('recommendation_batches').insert([
      batch(1, '400 days'),
      batch(2, '380 days'),
      batch(3, '2 days'),
    ]);
    // Batches stopped two years ago would leave generation 2 served: it must stay.
    await db()('recommendation_state').insert({ id: true, generation: 2 }).onConflict('id').merge();
    await task('recommendation-batches-retention').run();
    const left = (await db()('recommendation_batches').orderBy('generation').select('generation')).map(
      (r: { generation: string }) => Number(r.generation),
    );
    expect(left).to.deep.equal([2, 3]);
  });

  it('shopctl db retention lists each table with its rule, size and the rows due now', async () => {
    await db()('webhook_events').insert([
      { id: 'evt_a', provider: 'stripe', type: 'x', payload: {}, received_at: ago('100 days') },
      { id: 'evt_b', provider: 'stripe', type: 'x', payload: {}, received_at: ago('95 days') },
      { id: 'evt_c', provider: 'stripe', type: 'x', payload: {}, received_at: ago('1 day') },
    ]);
    const res = await shopctl(t, ['db', 'retention', '--json']);
    expect(res.code, res.stderr).to.equal(0);
    const rows = new Map<string, Json>(res.json().map((r: Json) => [r.table, r]));
    expect(rows.get('webhook_events')).to.include({ rule: 'received over 90 days ago', due: 2 });
    expect(rows.get('webhook_events').bytes).to.be.a('number').above(0);
    for (const table of [
      'orders',
      'order_items',
      'carts',
      'api_tokens',
      'consumer_inbox',
      'notifications',
      'event_dead_letters',
      'idempotency_keys',
      'outbox_events',
      'domain_events',
      'stock_movements',
    ]) {
      expect(rows.get(table)?.rule, table).to.be.a('string');
    }
    expect(rows.get('api_tokens').due).to.equal(0);
    expect(rows.get('stock_movements').due).to.equal(0);
    // Every table of the schema has a rule: nothing grows without one.
    expect(
      res
        .json()
        .filter((r: Json) => r.rule === null)
        .map((r: Json) => r.table),
    ).to.deep.equal([]);
    const human = await shopctl(t, ['db', 'retention']);
    expect(human.stdout).to.match(/^TABLE\s+SIZE\s+ROWS~\s+DUE\s+RULE/);
    expect(human.stdout).to.match(/webhook_events\s+\d+ kB\s+\d+\s+2\s+received over 90 days ago/);
    // A server that never vacuums nor gathers statistics is named for what it is, whichever this one is.
    const off = (await db().raw('SHOW autovacuum')).rows[0].autovacuum === 'off';
    expect(/warning: autovacuum is off/.test(human.stderr), human.stderr).to.equal(off);
  });

  it('webhook events are stored trimmed: no client secret, no billing details; the migration trims old rows', async () => {
    expect(trimStripeEvent(stripeEvent('evt_1'))).to.deep.equal({
      id: 'evt_1',
      type: 'payment_intent.succeeded',
      created: 1_767_225_600,
      livemode: false,
      object: {
        id: 'pi_123',
        object: 'payment_intent',
        status: 'succeeded',
        amount: 2_500,
        amount_received: 2_500,
        currency: 'usd',
      },
    });
    // A row as it was stored before: Stripe's whole event.
    await db()('webhook_events').insert({
      id: 'evt_2',
      provider: 'stripe',
      type: 'payment_intent.succeeded',
      payload: JSON.stringify(stripeEvent('evt_2')),
    });
    await db()('webhook_events').insert({
      id: 'evt_3',
      provider: 'stripe',
      type: 'payment_intent.succeeded',
      payload: JSON.stringify(trimStripeEvent(stripeEvent('evt_3'))),
    });
    await trimWebhookPayloads(db());
    const rows = await db()('webhook_events').orderBy('id').select('id', 'payload');
    expect(rows.map((r: Json) => r.payload)).to.deep.equal([
      trimStripeEvent(stripeEvent('evt_2')),
      trimStripeEvent(stripeEvent('evt_3')),
    ]);
    expect(JSON.stringify(rows)).to.not.match(/secret|billing|ada@example/);
  });
});
