import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { stockKey } from '../../src/catalog/cache-keys.js';
import {
  cliEnv,
  hasTmux,
  type Json,
  placeOrder,
  shellCommand,
  shopctl,
  tmuxSession,
} from '../support/cli.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { createProduct } from '../support/fixtures.js';
import { stockOf } from '../support/stock.js';

describe('shopctl', function () {
  this.timeout(120_000);
  let t: TestContext;
  let dir: string;
  let run: (...args: string[]) => ReturnType<typeof shopctl>;
  const csv = (name: string, text: string) => {
    const file = path.join(dir, name);
    writeFileSync(file, text);
    return file;
  };
  const stock = (productId: number) => stockOf(t, productId);
  const priceOf = async (sku: string) =>
    (await t.container.db('products').where({ sku }).first()).price_cents;

  before(async () => {
    t = await createTestContext();
    dir = mkdtempSync(path.join(tmpdir(), 'shopctl-'));
    run = (...args) => shopctl(t, args);
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await t.close();
  });

  it('prints help with examples; without a terminal, bare shopctl never prompts: help on stderr, exit 2', async () => {
    const [bare, help, bulkHelp, unknown] = await Promise.all([
      run(),
      run('inventory', 'adjust', '--help'),
      run('price', 'bulk', '--help'),
      run('frobnicate'),
    ]);
    expect(bare).to.include({ code: 2, stdout: '' });
    expect(bare.stderr).to.contain('Usage: shopctl').and.contain('interactive menu');
    expect(help.code).to.equal(0);
    expect(help.stdout).to.contain('Examples:').and.contain('--json').and.contain('--reason');
    expect(bulkHelp.stdout).to.contain('--dry-run').and.contain('--yes').and.contain('never asks');
    expect(unknown.code).to.equal(2);
  });

  it('products: create, show, update, list; bad input names the field and changes nothing', async () => {
    const created = await run(
      ...['products', 'create', 'MUG-1', '--name', 'Tea mug', '--category', 'kitchen'],
      ...['--price', '12.99', '--stock', '5', '--description', 'Blue', '--json'],
    );
    expect(created.code, created.stderr).to.equal(0);
    expect(created.json()).to.include({ sku: 'MUG-1', price_cents: 1299, active: true });

    const [show, threeDecimals, dup, unknown, empty] = await Promise.all([
      run('products', 'show', 'MUG-1', '--json'),
      run('products', 'create', 'MUG-2', '--name', 'x', '--category', 'kitchen', '--price', '1.999'),
      run('products', 'create', 'MUG-1', '--name', 'x', '--category', 'kitchen', '--price', '1'),
      run('products', 'update', 'NOPE-1', '--name', 'x'),
      run('products', 'update', 'MUG-1'),
    ]);
    expect(show.json()).to.include({ sku: 'MUG-1', available: 5, reserved: 0, sold: 0 });
    expect(threeDecimals.code).to.equal(2);
    expect(threeDecimals.stderr).to.contain(
      "error: option '--price <amount>' argument '1.999' is invalid. Expected an amount such as 12.99 (at most two decimals).",
    );
    expect(dup).to.include({ code: 1 });
    expect(dup.stderr).to.contain('already exists');
    expect(unknown.stderr).to.contain('Unknown SKU: NOPE-1');
    expect(empty.stderr).to.contain('nothing to update');
    expect(await t.container.db('products').where({ sku: 'MUG-2' }).first()).to.equal(undefined);

    const updated = await run('products', 'update', 'MUG-1', '--name', 'Big mug', '--no-active', '--json');
    expect(updated.json()).to.include({ name: 'Big mug', description: 'Blue', active: false });
    const list = (await run('products', 'list', '--category', 'kitchen', '--json')).json();
    expect(list.map((p: Json) => [p.sku, p.active, p.available])).to.deep.include(['MUG-1', false, 5]);
    const log = await t.container.db('admin_audit_log').where({ subject_id: 'MUG-1' }).orderBy('id');
    expect(log.map((e) => [e.action, e.actor])).to.deep.equal([
      ['product.create', 'cli:tester'],
      ['product.update', 'cli:tester'],
    ]);
  });

  it('products import: validates every row, reports bad rows by line, abort vs skip, idempotent by SKU', async () => {
    const rows = Array.from(
      { length: 2_000 },
      (_, i) => `IMP-${i},"Item, no. ${i}",bulk,${i % 90}.50,${i % 7},`,
    );
    const good = csv('good.csv', `sku,name,category,price,stock,active\r\n${rows.join('\r\n')}\r\n`);
    const first = await run('products', 'import', good, '--json');
    expect(first.code, first.stderr).to.equal(0);
    expect(first.json()).to.include({ rows: 2_000, created: 2_000, updated: 0, bad_rows: 0 });
    expect(await stock((await t.container.db('products').where({ sku: 'IMP-6' }).first()).id)).to.include({
      available: 6,
    });

    const bad = csv(
      'bad.csv',
      [
        'sku,name,category,price',
        'BAD-1,Fine,bulk,1.00',
        'BAD-2,Three decimals,bulk,1.999',
        'BAD-3,,bulk,2',
        'BAD-1,Again,bulk,3',
        'BAD-4,Short row',
        'BAD-5,Also fine,bulk,5',
      ].join('\n'),
    );
    const [again, abort, header, truncated] = await Promise.all([
      run('products', 'import', good, '--json'),
      run('products', 'import', bad),
      run('products', 'import', csv('header.csv', 'sku,name,category,prize\nH-1,x,bulk,1\n')),
      run('products', 'import', csv('cut.csv', 'sku,name,category,price\nT-1,ok,bulk,1\nT-2,"cut off')),
    ]);
    expect(again.json()).to.include({ created: 0, updated: 0, unchanged: 2_000 });
    expect(abort.code).to.equal(1);
    expect(abort.stderr).to.contain(
      'line 3: price must be an amount such as 12.99 (at most two decimals), got "1.999"',
    );
    expect(abort.stderr).to.contain('line 4: name is required');
    expect(abort.stderr).to.contain('line 5: duplicate SKU "BAD-1" (first on line 2)');
    expect(abort.stderr).to.contain('line 6: expected 4 fields, found 2');
    expect(abort.stderr).to.contain('nothing imported');
    expect(header).to.include({ code: 1 });
    expect(header.stderr).to.contain('line 1: unknown column "prize", missing column "price"');
    expect(truncated.code).to.equal(1);
    expect(truncated.stderr).to.match(/line 3: a quoted field is never closed \(the file may be truncated\)/);
    expect(await t.container.db('products').whereIn('sku', ['BAD-1', 'H-1', 'T-1'])).to.deep.equal([]);

    const skip = await run('products', 'import', bad, '--on-error', 'skip', '--json');
    expect(skip.code, skip.stderr).to.equal(0);
    expect(skip.json()).to.include({ created: 2, skipped: 4 });
    expect(skip.json().errors.map((e: Json) => e.line)).to.deep.equal([3, 4, 5, 6]);
  });

  it('inventory show/set/adjust: a ledger line with the actor, never below zero, bad input changes nothing', async () => {
    const p = await createProduct(t.container.db, { sku: 'INV-1', stock: 10 });
    const set = await run('inventory', 'set', 'INV-1', '25', '--reason', 'stock count', '--json');
    expect(set.code, set.stderr).to.equal(0);
    expect(set.json()).to.deep.include({ before: { available: 10, reserved: 0, sold: 0 } });
    expect(set.json().after).to.deep.equal({ available: 25, reserved: 0, sold: 0 });
    const adjust = await run('inventory', 'adjust', 'INV-1', '-5', '--reason', 'damaged');
    expect(adjust.stdout).to.contain('available 25, reserved 0, sold 0 → available 20, reserved 0, sold 0');

    const failures = await Promise.all([
      run('inventory', 'adjust', 'INV-1', '-21', '--reason', 'x'),
      run('inventory', 'set', 'NOPE-2', '1', '--reason', 'x'),
      run('inventory', 'adjust', 'INV-1', '0', '--reason', 'x'),
      run('inventory', 'show', 'NOPE-2'),
    ]);
    expect(failures.map((f) => f.code)).to.deep.equal([1, 1, 1, 1]);
    expect(failures.map((f) => f.stderr.trim())).to.deep.equal([
      'error: INV-1: only 20 available, cannot remove 21',
      'error: Unknown SKU: NOPE-2',
      'error: an adjustment must not be zero',
      'error: Unknown SKU: NOPE-2',
    ]);
    // Not a number of units: a usage error from commander, with the help after it.
    const usage = await Promise.all([
      run('inventory', 'set', 'INV-1', '-1', '--reason', 'x'),
      run('inventory', 'set', 'INV-1', '2.5', '--reason', 'x'),
      run('inventory', 'adjust', 'INV-1', 'five', '--reason', 'x'),
    ]);
    expect(usage.map((f) => f.code)).to.deep.equal([2, 2, 2]);
    expect(usage.map((f) => f.stderr.split('\n')[0])).to.deep.equal([
      "error: command-argument value '-1' is invalid for argument 'quantity'. Expected a whole number ≥ 0.",
      "error: command-argument value '2.5' is invalid for argument 'quantity'. Expected a whole number ≥ 0.",
      "error: command-argument value 'five' is invalid for argument 'delta'. Expected a whole number such as +5 or -3.",
    ]);
    expect(usage[0]!.stderr).to.contain('Usage: shopctl inventory set [options] <sku> <quantity>');
    const noReason = await run('inventory', 'set', 'INV-1', '3');
    expect(noReason.code).to.equal(2);
    expect(noReason.stderr).to.contain("required option '--reason <text>'");

    expect(await stock(p.id)).to.deep.equal({ available: 20, reserved: 0, sold: 0 });
    const ledger = await t.container
      .db('stock_movements')
      .where({ product_id: p.id, kind: 'adjusted' })
      .orderBy('id');
    expect(ledger.map((m) => [m.quantity, m.reason, m.actor])).to.deep.equal([
      [15, 'stock count', 'cli:tester'],
      [-5, 'damaged', 'cli:tester'],
    ]);
    const shown = await shopctl(t, ['inventory', 'show', 'INV-1', '--json'], { env: { SHOPCTL_ACTOR: '' } });
    expect(shown.json()).to.include({ available: 20, reserved: 0, sold: 0 });
    expect(shown.json().active_reservations).to.deep.equal([]);
  });

  it('inventory import sets every row or none', async () => {
    const a = await createProduct(t.container.db, { sku: 'INVI-A', stock: 3 });
    const b = await createProduct(t.container.db, { sku: 'INVI-B', stock: 3 });
    const [unknown, negative, header] = await Promise.all([
      run('inventory', 'import', csv('u.csv', 'sku,quantity\nINVI-A,9\nINVI-NOPE,1\n')),
      run('inventory', 'import', csv('n.csv', 'sku,quantity\nINVI-A,9\nINVI-B,-4\n')),
      run('inventory', 'import', csv('h.csv', 'sku,qty\nINVI-A,9\n')),
    ]);
    expect(unknown.code).to.equal(1);
    expect(unknown.stderr).to.contain('line 3: unknown SKU "INVI-NOPE"').and.contain('nothing was changed');
    expect(negative.stderr).to.contain('line 3: quantity must be a whole number ≥ 0, got "-4"');
    expect(header.stderr).to.contain('unknown column "qty", missing column "quantity"');
    expect(await stock(a.id)).to.include({ available: 3 });

    const ok = await run(
      'inventory',
      'import',
      csv('ok.csv', 'sku,quantity\r\nINVI-A,9\r\nINVI-B,3\r\n'),
      '--json',
    );
    expect(ok.json()).to.include({ rows: 2, changed: 1, unchanged: 1 });
    expect([(await stock(a.id)).available, (await stock(b.id)).available]).to.deep.equal([9, 3]);
  });

  it('a bad number in a flag or argument is a usage error: exit 2, the flag and value named, nothing written', async () => {
    await createProduct(t.container.db, { sku: 'NUM-1', category: 'num-cat', stock: 4, price_cents: 500 });
    const tables = ['products', 'stock_movements', 'admin_audit_log', 'carts', 'users'];
    const counts = () =>
      Promise.all(
        tables.map(async (name) => Number((await t.container.db(name).count('* as n').first())?.n)),
      );
    const before = await counts();
    const create = ['products', 'create', 'NUM-2', '--name', 'x', '--category', 'kitchen'];
    const cases: [string[], string][] = [
      [[...create, '--price', '1', '--stock', '1e3'], "option '--stock <n>' argument '1e3' is invalid"],
      [[...create, '--price', '-1'], "option '--price <amount>' argument '-1' is invalid"],
      [
        ['inventory', 'set', 'NUM-1', '0x10', '--reason', 'x'],
        "value '0x10' is invalid for argument 'quantity'",
      ],
      [
        ['price', 'bulk', '--category', 'kitchen', '--percent', 'ten', '--yes'],
        "'--percent <n>' argument 'ten'",
      ],
      [['products', 'limit', 'NUM-1', '0'], "value '0' is invalid for argument 'max'"],
      [['products', 'list', '--limit', '0', '--json'], "option '--limit <n>' argument '0' is invalid"],
      [['reservations', 'list', '--limit', '-1'], "option '--limit <n>' argument '-1' is invalid"],
      [['orders', 'list', '--limit', 'all'], "option '--limit <n>' argument 'all' is invalid"],
      [['carts', 'purge', '--older-than', '0d'], "option '--older-than <age>' argument '0d' is invalid"],
      [['db', 'seed', '--products', 'many', '--json'], "option '--products <n>' argument 'many' is invalid"],
    ];
    const results = await Promise.all(cases.map(([args]) => run(...args)));
    results.forEach((r, i) => {
      const [args, named] = cases[i]!;
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).to.equal(2);
      expect(r.stdout, args.join(' ')).to.equal('');
      expect(r.stderr.split('\n')[0]).to.match(
        /^error: .*\. Expected (a whole number|an amount|a number|an age) /,
      );
      expect(r.stderr, args.join(' ')).to.contain(named);
    });
    expect(await counts()).to.deep.equal(before);
    expect(await priceOf('NUM-1')).to.equal(500);
    expect((await t.container.db('products').where({ sku: 'NUM-1' }).first()).max_per_customer).to.equal(
      null,
    );

    // --json is read the same wherever it stands.
    const [first, last] = await Promise.all([
      run('--json', 'products', 'list', '--category', 'num-cat'),
      run('products', 'list', '--category', 'num-cat', '--json'),
    ]);
    expect(first.json().map((p: Json) => p.sku)).to.deep.equal(['NUM-1']);
    expect(first.json()).to.deep.equal(last.json());
  });

  it('price set invalidates the cached product and past orders keep their price', async () => {
    const p = await createProduct(t.container.db, { sku: 'PRC-1', price_cents: 1000, stock: 5 });
    const orderId = await placeOrder(t, [{ product_id: p.id, quantity: 1 }]);
    expect((await t.request().get(`/products/${p.id}`).expect(200)).body.price_cents).to.equal(1000);

    const [set, bad] = await Promise.all([
      run('price', 'set', 'PRC-1', '12.50', '--json'),
      run('price', 'set', 'PRC-1', '12.999'),
    ]);
    expect(set.json()).to.deep.equal({
      sku: 'PRC-1',
      old_price_cents: 1000,
      price_cents: 1250,
      changed: true,
    });
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.contain(
      "error: command-argument value '12.999' is invalid for argument 'amount'. Expected an amount such as 12.99 (at most two decimals).",
    );
    expect((await t.request().get(`/products/${p.id}`).expect(200)).body.price_cents).to.equal(1250);
    const item = await t.container.db('order_items').where({ order_id: orderId }).first();
    expect(item.price_at_purchase_cents).to.equal(1000);
  });

  it('price bulk: preview, refuses without --yes off a terminal, applies with --yes, and by CSV', async () => {
    await createProduct(t.container.db, { sku: 'BLK-1', category: 'bulk-cat', price_cents: 1000 });
    await createProduct(t.container.db, { sku: 'BLK-2', category: 'bulk-cat', price_cents: 2005 });
    const bulk = ['price', 'bulk', '--category', 'bulk-cat', '--percent', '-10'];
    const [dry, refused, badCsv] = await Promise.all([
      run(...bulk, '--dry-run', '--json'),
      run(...bulk),
      run(
        'price',
        'bulk',
        '--yes',
        '--csv',
        csv('p.csv', 'sku,price\nBLK-1,1.00\nBLK-2,2.005\nBLK-NOPE,1\n'),
      ),
    ]);
    expect(dry.code).to.equal(0);
    expect(dry.json().preview.map((r: Json) => [r.sku, r.old_price_cents, r.price_cents])).to.deep.equal([
      ['BLK-1', 1000, 900],
      ['BLK-2', 2005, 1805],
    ]);
    expect(refused.code).to.equal(1);
    expect(refused.stdout).to.contain('BLK-2').and.contain('2 of 2 price(s) would change');
    expect(refused.stderr).to.contain('not a terminal').and.contain('--yes');
    expect(badCsv.stderr).to.contain('line 3: price must be an amount');
    expect([await priceOf('BLK-1'), await priceOf('BLK-2')]).to.deep.equal([1000, 2005]);

    const applied = await run(...bulk, '--yes', '--json');
    expect(applied.json()).to.include({ changed: 2, dry_run: false });
    expect([await priceOf('BLK-1'), await priceOf('BLK-2')]).to.deep.equal([900, 1805]);

    const [byCsv, unknown] = await Promise.all([
      run('price', 'bulk', '--csv', csv('ok.csv', 'sku,price\nBLK-1,7\n'), '--yes', '--json'),
      run('price', 'bulk', '--csv', csv('u.csv', 'sku,price\nBLK-2,1\nBLK-NOPE,1\n'), '--yes'),
    ]);
    expect(byCsv.json()).to.include({ changed: 1 });
    expect(unknown.stderr).to.contain('line 3: unknown SKU "BLK-NOPE"');
    expect([await priceOf('BLK-1'), await priceOf('BLK-2')]).to.deep.equal([700, 1805]);
  });

  it('reservations list [--expired] and release-expired', async () => {
    const p = await createProduct(t.container.db, { sku: 'RSV-1', stock: 5 });
    const orderId = await placeOrder(t, [{ product_id: p.id, quantity: 2 }], { pay: false });
    const [all, expired] = await Promise.all([
      run('reservations', 'list', '--json'),
      run('reservations', 'list', '--expired', '--json'),
    ]);
    expect(all.json().map((r: Json) => [r.order_id, r.sku, r.quantity])).to.deep.include([
      orderId,
      'RSV-1',
      2,
    ]);
    expect(expired.json().map((r: Json) => r.order_id)).not.to.include(orderId);

    await t.container
      .db('reservations')
      .where({ order_id: orderId })
      .update({ expires_at: t.container.db.raw("now() - interval '1 minute'") });
    const due = await run('reservations', 'list', '--expired', '--json');
    expect(due.json().map((r: Json) => r.order_id)).to.deep.equal([orderId]);
    const released = await run('reservations', 'release-expired', '--json');
    expect(released.code, released.stderr).to.equal(0);
    expect(released.json().released).to.deep.equal({ orders: 1, units: 2 });
    expect(released.json().due.map((r: Json) => r.sku)).to.deep.equal(['RSV-1']);
    expect(await stock(p.id)).to.deep.equal({ available: 5, reserved: 0, sold: 0 });
    expect((await t.container.db('orders').where({ id: orderId }).first()).status).to.equal('EXPIRED');
  });

  it('orders list, show, ship, deliver, cancel, refund; wrong moves fail with exit 1', async () => {
    const p = await createProduct(t.container.db, { sku: 'ORD-1', stock: 10, price_cents: 500 });
    const shipped = await placeOrder(t, [{ product_id: p.id, quantity: 1 }]);
    const refunded = await placeOrder(t, [{ product_id: p.id, quantity: 2 }]);
    const pending = await placeOrder(t, [{ product_id: p.id, quantity: 3 }], { pay: false });

    const list = await run('orders', 'list', '--status', 'paid', '--limit', '50', '--json');
    expect(list.json().map((o: Json) => o.order_id)).to.include.members([shipped, refunded]);
    const [ship, refund, cancel] = await Promise.all([
      run('orders', 'ship', shipped, '--carrier', 'UPS', '--tracking', '1Z999AA10123456784', '--json'),
      run('orders', 'refund', refunded, '--reason', 'damaged in transit', '--json'),
      run('orders', 'cancel', pending, '--json'),
    ]);
    expect(ship.json()).to.include({
      status: 'SHIPPED',
      carrier: 'ups',
      tracking_number: '1Z999AA10123456784',
    });
    expect(ship.json().tracking_url).to.contain('1Z999AA10123456784');
    expect(refund.json()).to.include({
      status: 'CANCELLED',
      refund: 'refunded',
      status_reason: 'damaged in transit',
    });
    expect(cancel.json()).to.include({ status: 'CANCELLED' });
    expect(await t.container.db('payments').where({ order_id: refunded, kind: 'refund' })).to.have.length(1);
    expect(await stock(p.id)).to.deep.equal({ available: 9, reserved: 0, sold: 1 });

    const [deliver, show, badCarrier, notPaid, notUuid, badStatus] = await Promise.all([
      run('orders', 'deliver', shipped, '--json'),
      run('orders', 'show', refunded),
      run('orders', 'ship', refunded, '--carrier', 'pigeon', '--tracking', 'ABCD1234'),
      run('orders', 'refund', shipped),
      run('orders', 'show', 'order-1'),
      run('orders', 'list', '--status', 'LOST'),
    ]);
    expect(deliver.json()).to.include({ status: 'DELIVERED' });
    expect(show.stdout).to.contain('PAID → CANCELLED  by admin:cli:tester (damaged in transit)');
    expect(badCarrier.stderr).to.contain('carrier must be one of ups, fedex, usps, dhl');
    expect(notPaid.stderr).to.match(/Order is (SHIPPED|DELIVERED): only a PAID order can be refunded/);
    expect(notUuid.stderr).to.contain('order id must be a UUID, got "order-1"');
    expect(badStatus.stderr).to.contain('status must be one of');
    expect([badCarrier, notPaid, notUuid, badStatus].map((r) => r.code)).to.deep.equal([1, 1, 1, 1]);
    const log = await t.container.db('admin_audit_log').where({ subject_id: shipped }).orderBy('id');
    expect(log.map((e) => [e.action, e.actor])).to.deep.equal([
      ['order.shipped', 'admin:cli:tester'],
      ['order.delivered', 'admin:cli:tester'],
    ]);
  });

  it('audit oversell exits 1 on a broken invariant; reconcile finds the drift, --fix repairs it, audit passes', async () => {
    const healthy = await run('audit', 'oversell', '--json');
    expect(healthy.code, healthy.stdout).to.equal(0);
    expect(healthy.json()).to.include({ ok: true });

    const x = await createProduct(t.container.db, { sku: 'DRIFT-X', stock: 6 });
    const y = await createProduct(t.container.db, { sku: 'DRIFT-Y', stock: 6 });
    // Browse's stock copy of Y outlives the change below (its real TTL is seconds: a CLI start outlasts it).
    await t.request().get(`/products/${y.id}`).expect(200);
    await t.container.cache.setJson(stockKey(y.id), 6, 60_000);
    await t.container.db('inventory').where({ product_id: x.id }).increment('reserved_count', 1);
    await t.container.db('inventory').where({ product_id: y.id }).increment('available_count', 2);

    const [broken, human, drift] = await Promise.all([
      run('audit', 'oversell', '--json'),
      run('audit', 'oversell'),
      run('reconcile', '--json'),
    ]);
    expect(broken.code).to.equal(1);
    expect(broken.json().ok).to.equal(false);
    const names = broken.json().violations.map((v: Json) => `${v.name} ${v.subject}`);
    expect(names).to.include.members([
      `conservation product ${x.id}`,
      `reserved_matches_reservations product ${x.id}`,
      `conservation product ${y.id}`,
    ]);
    expect(human.stdout)
      .to.match(/^FAILED: \d+ violation/)
      .and.contain('invariant 3 reserved_matches_reservations');
    expect(drift.code).to.equal(1);
    expect(drift.json().counters.map((d: Json) => [d.sku, d.counters, d.truth])).to.deep.equal([
      ['DRIFT-X', { available: 6, reserved: 1, sold: 0 }, { available: 6, reserved: 0, sold: 0 }],
      ['DRIFT-Y', { available: 8, reserved: 0, sold: 0 }, { available: 6, reserved: 0, sold: 0 }],
    ]);
    expect(drift.json().cache.map((d: Json) => [d.sku, d.cached.available, d.db.available])).to.deep.equal([
      ['DRIFT-Y', 6, 8],
    ]);

    const fixed = await run('reconcile', '--fix');
    expect(fixed.code, fixed.stderr).to.equal(0);
    expect(fixed.stdout)
      .to.contain('DRIFT-X: counters')
      .and.contain('fixed 2 counter row(s) and dropped 1 stale cache entry');
    const [audit, clean] = await Promise.all([run('audit', 'oversell'), run('reconcile')]);
    expect(audit.code, audit.stdout).to.equal(0);
    expect(audit.stdout).to.match(/^OK: \d+ products and \d+ orders hold every invariant/);
    expect(clean.code, clean.stdout).to.equal(0);
    expect(await stock(y.id)).to.deep.equal({ available: 6, reserved: 0, sold: 0 });
  });

  it('users create/token/list; db reset refuses without --yes and on a database not named dev/test', async () => {
    const created = await run('users', 'create', 'ops@shop.test', '--role', 'admin', '--json');
    expect(created.json()).to.include({ email: 'ops@shop.test', role: 'admin' });
    const [token, list, noYes, prodName] = await Promise.all([
      run('users', 'token', 'ops@shop.test', '--json'),
      run('users', 'list', '--json'),
      run('db', 'reset'),
      shopctl(t, ['db', 'reset', '--yes'], {
        env: { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/shop' },
      }),
    ]);
    await t.request().get('/admin/users').set('Authorization', `Bearer ${token.json().token}`).expect(200);
    expect(list.json().map((u: Json) => u.email)).to.include('ops@shop.test');
    expect(noYes.code).to.equal(1);
    expect(noYes.stderr).to.contain('without --yes');
    expect(prodName.code).to.equal(1);
    expect(prodName.stderr).to.contain('"shop" does not look like a dev or test database');
  });

  it('bare shopctl in a terminal: the menu shows inventory for a SKU, then quits (tmux pseudo-terminal)', async function () {
    if (!hasTmux()) this.skip(); // tmux is not installed: no pseudo-terminal to drive the menu with.
    await createProduct(t.container.db, { sku: 'MENU-1', stock: 4 });
    const session = tmuxSession(`shopctl-test-${process.pid}`);
    try {
      session.start(shellCommand(cliEnv(t), []));
      await session.waitFor(/What do you want to do\?/);
      session.keys('Enter');
      await session.waitFor(/SKU:/);
      session.keys('MENU-1', 'Enter');
      const screen = await session.waitFor(/What do you want to do\?/, 2);
      expect(screen).to.contain('MENU-1').and.contain('available 4, reserved 0, sold 0');
      session.keys('Up', 'Enter');
      expect(await session.waitFor(/\[exit \d+\]/)).to.contain('[exit 0]');
    } finally {
      session.stop();
    }
  });
});
