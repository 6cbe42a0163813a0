import { expect } from 'chai';
import { readCachedCart } from '../../src/cart/cache.js';
import { cartRequests, quantities } from '../support/cart.js';
import { shopctl } from '../support/cli.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { createProduct, createUser } from '../support/fixtures.js';

describe('cart: retention', () => {
  let t: TestContext;
  before(async () => {
    t = await createTestContext();
  });
  after(() => t?.close());

  const { add, getCart } = cartRequests(() => t);

  const backdate = (ids: string[], days: number) =>
    t.container.db.raw(`UPDATE carts SET updated_at = now() - make_interval(days => ?) WHERE id = ANY(?)`, [
      days,
      ids,
    ]);

  /** Four carts: stale active, stale merged (a guest's), stale converted, and one touched 29 days ago. */
  async function staleCarts() {
    const product = await createProduct(t.container.db, { stock: 100 });
    const [stale, converted, recent] = [
      await createUser(t.container),
      await createUser(t.container),
      await createUser(t.container),
    ];
    const ids = {
      stale: (await add(stale, product.id, 1).expect(200)).body.cart_id as string,
      converted: (await add(converted, product.id, 1).expect(200)).body.cart_id as string,
      recent: (await add(recent, product.id, 1).expect(200)).body.cart_id as string,
      merged: (
        await t.request().post('/cart/items').send({ product_id: product.id, quantity: 1 }).expect(201)
      ).body.cart_id as string,
    };
    await t.container.db('carts').where({ id: ids.converted }).update({ status: 'converted' });
    await t.container.db('carts').where({ id: ids.merged }).update({ status: 'merged' });
    await backdate([ids.stale, ids.converted, ids.merged], 31);
    await backdate([ids.recent], 29);
    return { ids, stale, product };
  }

  it('purgeStaleCarts() deletes carts untouched for 30 days and keeps converted ones', async () => {
    await t.container.db('carts').delete();
    const { ids, stale, product } = await staleCarts();
    expect(await readCachedCart(t.container.cache, ids.stale)).to.not.equal(null);

    expect(await t.container.cart.purgeStaleCarts()).to.equal(2);
    const left = await t.container.db('carts').orderBy('id').pluck('id');
    expect(left).to.deep.equal([ids.converted, ids.recent].sort());
    expect(await t.container.db('cart_items').whereIn('cart_id', [ids.stale, ids.merged])).to.deep.equal([]);
    expect(await readCachedCart(t.container.cache, ids.stale)).to.equal(null);
    expect(await t.container.cart.purgeStaleCarts()).to.equal(0);

    // The owner of a purged cart starts afresh.
    expect((await getCart(stale)).body).to.include({ cart_id: null, item_count: 0 });
    const next = (await add(stale, product.id, 2).expect(200)).body;
    expect(next.cart_id).to.not.equal(ids.stale);
    expect(quantities((await getCart(stale)).body.items)).to.deep.equal({ [product.id]: 2 });
  });

  it('purges a backlog larger than one statement or one Redis call can take', async function () {
    this.timeout(120_000);
    await t.container.db('carts').delete();
    await t.container.db.raw(
      `INSERT INTO carts (guest_token_hash, updated_at)
       SELECT 'backlog-' || g, now() - interval '31 days' FROM generate_series(1, 250000) g`,
    );
    const { ids } = await staleCarts();
    expect(await t.container.cart.purgeStaleCarts()).to.equal(250_002);
    expect(await t.container.db('carts').orderBy('id').pluck('id')).to.deep.equal(
      [ids.converted, ids.recent].sort(),
    );
    expect(await readCachedCart(t.container.cache, ids.stale)).to.equal(null);
  });

  it('shopctl carts purge --older-than 30d --json purges and reports the count', async function () {
    this.timeout(60_000);
    await t.container.db('carts').delete();
    const { ids } = await staleCarts();
    const run = await shopctl(t, ['carts', 'purge', '--older-than', '30d', '--json']);
    expect(run.code, run.stderr).to.equal(0);
    expect(JSON.parse(run.stdout)).to.deep.equal({ deleted: 2 });
    const left = await t.container.db('carts').orderBy('id').pluck('id');
    expect(left).to.deep.equal([ids.converted, ids.recent].sort());
  });

  it('shopctl carts purge refuses a bad --older-than as a usage error (exit code 2) and says why', async function () {
    this.timeout(60_000);
    await t.container.db('carts').delete();
    await staleCarts();
    for (const value of ['30x', 'thirty', '0d']) {
      const run = await shopctl(t, ['carts', 'purge', '--older-than', value, '--json']);
      expect(run.code, `${value}: ${run.stderr}`).to.equal(2);
      expect(run.stdout).to.equal('');
      expect(run.stderr).to.include(
        `option '--older-than <age>' argument '${value}' is invalid. Expected an age such as 30d, 12h or 90m.`,
      );
    }
    expect(await t.container.db('carts').count('* as n')).to.deep.equal([{ n: 4 }]);
  });
});
