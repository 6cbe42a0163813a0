import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { insertFinishedOrders } from '../../loadtest/archive.js';
import { ArchiveNotWritten, archiveCutoff, archiveOrders } from '../../src/archive/archive.js';
import type { OpenSink } from '../../src/archive/archive-file.js';
import { checkInvariants } from '../../src/audit/invariants.js';
import type { Actor } from '../../src/orders/actor.js';
import { postCheckout, shopperWithCart } from '../support/checkout.js';
import { type Json, placeOrder, shopctl } from '../support/cli.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { createProduct } from '../support/fixtures.js';
import { TRACKING } from '../support/orders.js';

const admin: Actor = { userId: 'cli:tester', role: 'admin' };
const SIX_YEARS_AGO = "now() - interval '6 years'";
const ORDER_TABLES = ['order_items', 'order_status_history', 'payments', 'reservations', 'notifications'];

describe('the order archive', function () {
  this.timeout(120_000);
  let t: TestContext;
  let dir: string;
  before(async () => {
    t = await createTestContext();
  });
  after(() => t.close());
  beforeEach(async () => {
    await t.truncate();
    dir = await mkdtemp(path.join(tmpdir(), 'shop-archive-test-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
    const report = await checkInvariants(t.container.db);
    expect(report.violations).to.deep.equal([]);
  });

  const run = (...args: string[]) => shopctl(t, args, { env: { ARCHIVE_DIR: dir } });
  const fiveYearsAgo = () => archiveCutoff(5 * 31_557_600_000, new Date(Date.now() + 31 * 86_400_000));
  const liveIds = async () =>
    (await t.container.db('orders').orderBy('id').select('id')).map((o: { id: string }) => o.id);
  const rowsOf = async (ids: string[]) => {
    const counts: Record<string, number> = {};
    for (const table of ORDER_TABLES) {
      const { rows } = await t.container.db.raw<{ rows: { n: number }[] }>(
        `SELECT count(*)::int AS n FROM ${table} WHERE order_id = ANY(?::uuid[])`,
        [ids],
      );
      counts[table] = rows[0]!.n;
    }
    return counts;
  };

  /** One order in each state the archive must weigh, all placed through the API. */
  async function ordersOfEveryKind() {
    const p = await createProduct(t.container.db, { stock: 20, price_cents: 1_500 });
    const line = [{ product_id: p.id, quantity: 1 }];
    const delivered = await placeOrder(t, line);
    await t.container.orders.ship(delivered, admin, { carrier: 'ups', tracking_number: TRACKING });
    await t.container.orders.deliver(delivered, admin);
    const declined = (
      await postCheckout(t, await shopperWithCart(t, line), {
        payment_method: 'pm_card_chargeDeclined',
      }).expect(201)
    ).body.order_id as string;
    await t.container.worker.drain();
    const cancelled = (await postCheckout(t, await shopperWithCart(t, line)).expect(201)).body
      .order_id as string;
    await t.container.orders.cancel(cancelled, admin, 'changed my mind');
    const pending = await placeOrder(t, line, { pay: false });
    const paid = await placeOrder(t, line);
    // A customer's notification about the delivered order, as the notifications consumer writes it.
    const { user_id } = await t.container.db('orders').where({ id: delivered }).first('user_id');
    await t.container.db('notifications').insert({
      audience: 'customer',
      user_id,
      kind: 'order.delivered',
      order_id: delivered,
      message: 'Your order was delivered',
      event_id: '00000000-0000-4000-8000-000000000001',
    });
    const recent = await placeOrder(t, line);
    await t.container.orders.ship(recent, admin, { carrier: 'ups', tracking_number: TRACKING });
    await t.container.orders.deliver(recent, admin);
    const old = { delivered, declined, cancelled, pending, paid };
    await t.container.db.raw(`UPDATE orders SET created_at = ${SIX_YEARS_AGO} WHERE id = ANY(?::uuid[])`, [
      Object.values(old),
    ]);
    return { ...old, recent };
  }

  it('archives old finished orders, reads each back with its items and history, and removes them from every live table', async () => {
    const o = await ordersOfEveryKind();
    const finished = [o.delivered, o.declined, o.cancelled].sort();
    const before = { ...(await rowsOf(finished)) };
    expect(before.order_items).to.equal(3);
    expect(before.notifications).to.equal(1);

    const res = await run('orders', 'archive', '--before', fiveYearsAgo().toISOString(), '--json');
    expect(res.code, res.stderr).to.equal(0);
    const manifest = res.json();
    expect(manifest).to.include({ state: 'deleted', orders: 3, deleted: 3, kept: 0 });
    expect(manifest.files).to.have.length(1);
    const [entry] = manifest.files;
    expect(entry).to.include({ orders: 3, deleted: 3 });
    expect(entry.file).to.match(/^orders-\d{4}-\d{2}\.[\w-]+\.jsonl\.gz$/);

    // Gone from the live tables; the pending, the paid and the recent order stay.
    expect(await liveIds()).to.deep.equal([o.pending, o.paid, o.recent].sort());
    expect(await rowsOf(finished)).to.deep.equal({
      order_items: 0,
      order_status_history: 0,
      payments: 0,
      reservations: 0,
      notifications: 0,
    });
    // What is on disk: the file, its .sha256 (sha256sum's format) and the manifest.
    const files = (await readdir(dir)).sort();
    expect(files).to.deep.equal(
      [entry.file, `${entry.file}.sha256`, path.basename(manifest.manifest_file)].sort(),
    );
    expect(await readFile(path.join(dir, `${entry.file}.sha256`), 'utf8')).to.equal(
      `${entry.sha256}  ${entry.file}\n`,
    );
    const onDisk = JSON.parse(await readFile(manifest.manifest_file, 'utf8'));
    expect(onDisk).to.include({ state: 'deleted', orders: 3, deleted: 3 });

    // Every archived order reads back with its items, history and payments.
    const file = path.join(dir, entry.file);
    const listed = await run('orders', 'archive', 'show', file, '--json');
    expect(listed.code, listed.stderr).to.equal(0);
    expect(listed.json()).to.include({ orders: 3, sha256: entry.sha256 });
    expect(
      listed
        .json()
        .lines.map((l: Json) => l.id)
        .sort(),
    ).to.deep.equal(finished);
    const delivered = await run('orders', 'archive', 'show', file, o.delivered, '--json');
    expect(delivered.code, delivered.stderr).to.equal(0);
    const doc = delivered.json();
    expect(doc).to.include({ id: o.delivered, status: 'DELIVERED', total_cents: 1_500 });
    expect(doc.items.map((i: Json) => [i.quantity, i.price_at_purchase_cents])).to.deep.equal([[1, 1_500]]);
    expect(doc.status_history.map((h: Json) => h.to_status)).to.deep.equal([
      'PENDING',
      'PAID',
      'SHIPPED',
      'DELIVERED',
    ]);
    expect(doc.payments.map((p: Json) => [p.kind, p.state])).to.deep.equal([['charge', 'succeeded']]);
    expect(doc.notifications).to.have.length(1);
    const cancelled = await run('orders', 'archive', 'show', file, o.cancelled, '--json');
    expect(cancelled.json().status_history.map((h: Json) => h.reason)).to.deep.equal([
      'checkout',
      'changed my mind',
    ]);
    const human = await run('orders', 'archive', 'show', file, o.declined);
    expect(human.stdout).to.match(/PENDING → PAYMENT_FAILED/);
    expect(human.stdout).to.match(/charge\s+failed/);

    // Nothing left to take: a second run writes nothing.
    const again = await run('orders', 'archive', '--before', fiveYearsAgo().toISOString(), '--json');
    expect(again.json()).to.include({ orders: 0 });
    expect(again.json().files).to.deep.equal([]);
  });

  it('show refuses a damaged file and names an order that is not in it', async () => {
    const o = await ordersOfEveryKind();
    const res = await run('orders', 'archive', '--before', fiveYearsAgo().toISOString(), '--json');
    const file = path.join(dir, res.json().files[0].file);
    const missing = await run('orders', 'archive', 'show', file, o.pending);
    expect(missing.code).to.equal(1);
    expect(missing.stderr).to.match(/is not in orders-/);
    const bytes = await readFile(file);
    bytes[bytes.length - 12]! ^= 0xff;
    await writeFile(file, bytes);
    const damaged = await run('orders', 'archive', 'show', file);
    expect(damaged.code).to.equal(1);
    expect(damaged.stderr).to.match(/is damaged: it hashes to [0-9a-f]{64}, its \.sha256 says/);
  });

  it('deletes nothing when the archive cannot be written: the directory is not a directory', async () => {
    await ordersOfEveryKind();
    const ids = await liveIds();
    const blocker = path.join(dir, 'not-a-directory');
    await writeFile(blocker, 'a file where the archive directory should be\n');
    const res = await shopctl(t, ['orders', 'archive', '--before', fiveYearsAgo().toISOString()], {
      env: { ARCHIVE_DIR: path.join(blocker, 'archive') },
    });
    expect(res.code).to.equal(1);
    expect(res.stderr).to.match(/the archive could not be written or verified, so no order was deleted/);
    expect(await liveIds()).to.deep.equal(ids);
  });

  it('deletes nothing when a write fails half-way, or the file reads back different from what was written', async () => {
    await ordersOfEveryKind();
    const ids = await liveIds();
    const before = fiveYearsAgo();
    const failing: OpenSink = async () => ({
      write: async () => {
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      },
      sync: async () => undefined,
      close: async () => undefined,
    });
    let err = await archiveOrders(t.container.db, { before, dir, batchSize: 2, openSink: failing }).catch(
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(ArchiveNotWritten);
    expect((err as Error).message, (err as Error).message).to.match(/no order was deleted: ENOSPC/);
    expect(await liveIds()).to.deep.equal(ids);

    // A disk that flips a bit: the bytes were hashed on their way out, the re-read disagrees.
    const { openFileSink } = await import('../../src/archive/archive-file.js');
    const corrupting: OpenSink = async (file) => {
      const sink = await openFileSink(file);
      return {
        ...sink,
        write: (chunk) => {
          const copy = Buffer.from(chunk);
          copy[0]! ^= 0x01;
          return sink.write(copy);
        },
      };
    };
    err = await archiveOrders(t.container.db, { before, dir, batchSize: 2, openSink: corrupting }).catch(
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(ArchiveNotWritten);
    expect((err as Error).message).to.match(/bytes on disk hash to [0-9a-f]{64}, not/);
    expect(await liveIds()).to.deep.equal(ids);
    // No manifest names the bad files.
    expect((await readdir(dir)).filter((f) => f.startsWith('manifest-'))).to.deep.equal([]);
  });

  it('leaves an order with money in flight: a refund still owed, a payment job still to run', async () => {
    const o = await ordersOfEveryKind();
    // The paid order is cancelled by an admin: its refund is a job the worker has not run yet.
    await t.container.orders.cancel(o.paid, admin, 'out of stock at the warehouse');
    expect((await t.container.db('orders').where({ id: o.paid }).first('status')).status).to.equal(
      'CANCELLED',
    );
    const result = await archiveOrders(t.container.db, { before: fiveYearsAgo(), dir, batchSize: 1_000 });
    expect(result.manifest.orders).to.equal(3);
    expect(await liveIds()).to.include(o.paid);
    // Refunded: nothing is owed and no job is open, so it may go.
    await t.container.worker.drain();
    const refunded = await archiveOrders(t.container.db, { before: fiveYearsAgo(), dir, batchSize: 1_000 });
    expect(refunded.manifest.orders).to.equal(1);
    expect(await liveIds()).to.not.include(o.paid);
  });

  it('keeps an old order while anything about it is unfinished, each condition on its own', async () => {
    await insertFinishedOrders(t.container.db, {
      count: 6,
      from: new Date(Date.UTC(new Date().getUTCFullYear() - 7, 0, 1)),
      months: 1,
    });
    const db = t.container.db;
    const [awaiting3ds, reserved, inTransit, charged, announcing, finished] = (
      await db('orders').orderBy('created_at').select('id', 'user_id')
    ).map((o: { id: string }) => o.id);
    const { product_id } = await db('order_items').where({ order_id: finished }).first('product_id');
    // Each row below is made directly: the archive must weigh what the tables say, however it came about.
    await db('payments').insert({
      order_id: awaiting3ds,
      provider: 'sandbox',
      provider_ref: 'pi_waiting',
      kind: 'charge',
      state: 'requires_action',
      amount_cents: 100,
      idempotency_key: `order:${awaiting3ds}:retry`,
    });
    await db('reservations').insert({
      order_id: reserved,
      product_id,
      quantity: 1,
      state: 'ACTIVE',
      expires_at: db.raw("now() + interval '1 hour'"),
    });
    await db('shipments').insert({ order_id: inTransit, state: 'shipped', ship_at: db.raw('now()') });
    // Cancelled after its charge succeeded, and never refunded: money is owed back.
    await db('orders').where({ id: charged }).update({ status: 'CANCELLED' });
    await db('outbox_events').insert({ topic: 'payment.refund', aggregate_id: announcing, payload: {} });

    const result = await archiveOrders(db, { before: fiveYearsAgo(), dir, batchSize: 1_000 });
    expect(result.manifest.orders).to.equal(1);
    expect(await liveIds()).to.deep.equal([awaiting3ds, reserved, inTransit, charged, announcing].sort());
    // Rows made by hand break the invariants afterEach checks: they go, with what hangs off them.
    await db('outbox_events').where({ aggregate_id: announcing }).del();
    await db('orders').del();
  });

  it('pages on past a whole page of orders that must stay', async () => {
    const from = new Date(Date.UTC(new Date().getUTCFullYear() - 7, 0, 1));
    await insertFinishedOrders(t.container.db, { count: 1_250, from, months: 1 });
    // The month's first 1,000 orders (one read page) are still being paid for.
    await t.container.db.raw(
      `UPDATE orders SET status = 'PAID' WHERE id IN (SELECT id FROM orders ORDER BY created_at, id LIMIT 1000)`,
    );
    const result = await archiveOrders(t.container.db, {
      before: fiveYearsAgo(),
      dir,
      batchSize: 100,
      duty: 0.9,
    });
    expect(result.manifest).to.include({ orders: 250, deleted: 250 });
    expect(await liveIds()).to.have.length(1_000);
    await t.container.db('orders').del();
  });

  it('archives while checkouts run: every checkout answers, the invariants hold, only old orders go', async () => {
    const p = await createProduct(t.container.db, { stock: 40, price_cents: 900 });
    const generated = await insertFinishedOrders(t.container.db, {
      count: 3_000,
      from: new Date(Date.UTC(new Date().getUTCFullYear() - 7, 0, 1)),
      months: 3,
      chunk: 1_000,
    });
    expect(generated).to.equal(3_000);
    const shoppers = await Promise.all(
      Array.from({ length: 30 }, () => shopperWithCart(t, [{ product_id: p.id, quantity: 1 }])),
    );
    const archiving = archiveOrders(t.container.db, { before: fiveYearsAgo(), dir, batchSize: 100 });
    const checkouts = await Promise.allSettled(shoppers.map((s) => postCheckout(t, s).expect(201)));
    const result = await archiving;
    expect(checkouts.filter((c) => c.status === 'rejected')).to.deep.equal([]);
    expect(result.manifest).to.include({ orders: 3_000, deleted: 3_000 });
    expect(result.manifest.files.map((f) => f.month)).to.have.length(3);
    const live = await t.container.db('orders').select('status');
    expect(live).to.have.length(30);
    expect(live.every((o: { status: string }) => o.status === 'PENDING')).to.equal(true);
    const { rows } = await t.container.db.raw<{ rows: { n: number }[] }>(
      'SELECT count(*)::int AS n FROM order_status_history',
    );
    expect(rows[0]!.n).to.equal(30);
  });

  it('yields to a busy store: works at the busy duty while orders arrive faster than the busy rate, and still finishes', async () => {
    const from = new Date(Date.UTC(new Date().getUTCFullYear() - 7, 0, 1));
    await insertFinishedOrders(t.container.db, { count: 1_500, from, months: 1 });
    const archive = (yieldTo: { busyRate: number; busyDuty: number }) =>
      archiveOrders(t.container.db, { before: fiveYearsAgo(), dir, batchSize: 250, duty: 1, yieldTo });

    // A quiet store: nothing placed lately, so the archive never yields.
    const quiet = await archive({ busyRate: 20, busyDuty: 0.5 });
    expect(quiet.manifest).to.include({ orders: 1_500, deleted: 1_500 });
    expect(quiet.busyMs).to.equal(0);

    // A sale: 500 orders placed within the last 5 s (dated ahead, so they stay there) is 100 a second.
    await insertFinishedOrders(t.container.db, { count: 1_500, from, months: 1 });
    await insertFinishedOrders(t.container.db, {
      count: 500,
      from: new Date(Date.now() + 60_000),
      months: 1,
    });
    const busy = await archive({ busyRate: 20, busyDuty: 0.5 });
    expect(busy.manifest).to.include({ orders: 1_500, deleted: 1_500 });
    expect(busy.busyMs).to.be.above(0.8 * busy.ms);

    // The same rate under a higher threshold is not busy.
    await insertFinishedOrders(t.container.db, { count: 1_500, from, months: 1 });
    const calm = await archive({ busyRate: 150, busyDuty: 0.5 });
    expect(calm.manifest).to.include({ orders: 1_500, deleted: 1_500 });
    expect(calm.busyMs).to.equal(0);
    await t.container.db('orders').del();
  });

  it('holds through a sale at busy duty 0: reads nothing until the store is quiet, then finishes', async () => {
    const from = new Date(Date.UTC(new Date().getUTCFullYear() - 7, 0, 1));
    await insertFinishedOrders(t.container.db, { count: 1_500, from, months: 1 });
    // The sale: 500 orders within the last 5 s (dated ahead) for as long as they exist.
    await insertFinishedOrders(t.container.db, {
      count: 500,
      from: new Date(Date.now() + 60_000),
      months: 1,
    });
    const progress: string[] = [];
    const holding = archiveOrders(t.container.db, {
      before: fiveYearsAgo(),
      dir,
      batchSize: 250,
      duty: 1,
      yieldTo: { busyRate: 20, busyDuty: 0 },
      onProgress: ({ phase, done }) => progress.push(`${phase} ${done}`),
    });
    await new Promise((r) => setTimeout(r, 1_500));
    // Not one order read from the database (the month's file is open, and empty).
    expect(progress).to.deep.equal([]);
    // The sale ends: the archive sees a quiet store within a quarter of a second and runs to the end.
    await t.container.db('orders').where('created_at', '>', new Date()).del();
    const held = await holding;
    expect(held.manifest).to.include({ orders: 1_500, deleted: 1_500 });
    expect(held.busyMs).to.be.within(1_400, held.ms);
    expect(progress.at(-1)).to.equal('deleting 1500');
    expect(await liveIds()).to.deep.equal([]);
  });

  it('refuses a second archive while one runs', async () => {
    await insertFinishedOrders(t.container.db, {
      count: 2_000,
      from: new Date(Date.UTC(new Date().getUTCFullYear() - 7, 0, 1)),
      months: 1,
    });
    const first = archiveOrders(t.container.db, { before: fiveYearsAgo(), dir, batchSize: 50 });
    await new Promise((r) => setTimeout(r, 50));
    const second = await archiveOrders(t.container.db, { before: fiveYearsAgo(), dir, batchSize: 50 }).catch(
      (e: Error) => e,
    );
    expect((second as Error).message).to.match(/another order archive is running/);
    expect((await first).manifest.deleted).to.equal(2_000);
  });
});
