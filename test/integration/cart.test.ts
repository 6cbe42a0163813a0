import { expect } from 'chai';
import { createClient } from 'redis';
import type { CartState } from '../../src/cart/schemas.js';
import { ADDRESS } from '../support/checkout.js';
import { shopctl } from '../support/cli.js';
import { baseUrls, createTestContext, type TestContext } from '../support/context.js';
import { createProduct, createUser, type ProductFixture } from '../support/fixtures.js';

type User = Awaited<ReturnType<typeof createUser>>;
type Product = Awaited<ReturnType<typeof createProduct>>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const DAY_MS = 86_400_000;

interface CartRow {
  id: string;
  user_id: string | null;
  status: string;
  version: number;
  created_at: Date;
  updated_at: Date;
  converted_at: Date | null;
}

async function createProducts(t: TestContext, n: number, fixture: ProductFixture = {}): Promise<Product[]> {
  const products: Product[] = [];
  for (let i = 0; i < n; i++) products.push(await createProduct(t.container.db, fixture));
  return products;
}

const cartRow = (t: TestContext, id: string) => t.container.db('carts').where({ id }).first<CartRow>();

const cartsOf = (t: TestContext, userId: string) =>
  t.container.db('carts').where({ user_id: userId }).orderBy('created_at').select<CartRow[]>();

/** The cart as PostgreSQL holds it, in the shape the service publishes to Redis. */
async function pgState(t: TestContext, cartId: string): Promise<CartState> {
  const row = await cartRow(t, cartId);
  const lines = await t.container
    .db('cart_items')
    .where({ cart_id: cartId })
    .orderBy('created_at')
    .orderBy('product_id')
    .select('product_id', 'quantity', 'price_cents_at_add');
  return {
    cart_id: row.id,
    user_id: row.user_id,
    status: row.status as CartState['status'],
    version: row.version,
    lines,
  };
}

const quantities = (items: { product_id: number; quantity: number }[]) =>
  Object.fromEntries(items.map((i) => [i.product_id, i.quantity]));

async function setPrice(t: TestContext, productId: number, priceCents: number) {
  await t.container.db('products').where({ id: productId }).update({ price_cents: priceCents });
  await t.container.catalog.invalidateProducts([productId]);
}

describe('cart', () => {
  let t: TestContext;
  before(async () => {
    t = await createTestContext();
  });
  after(() => t?.close());

  const add = (user: User, productId: number, quantity: number) =>
    t.request().post('/cart/items').set(user.auth).send({ product_id: productId, quantity });
  const getCart = (user: User) => t.request().get('/cart').set(user.auth).expect(200);

  describe('add, update, remove, view', () => {
    it('adds to an existing line and computes totals in integer cents', async () => {
      const user = await createUser(t.container);
      const [mug] = await createProducts(t, 1, { name: 'Enamel Mug', price_cents: 1999, stock: 10 });
      const [tea] = await createProducts(t, 1, { name: 'Green Tea', price_cents: 250, stock: 10 });

      const first = await add(user, mug!.id, 2).expect(200);
      expect(first.body).to.have.all.keys('cart_id', 'item_count', 'total_cents');
      expect(first.body.cart_id).to.match(UUID);
      expect(first.body).to.include({ item_count: 2, total_cents: 3998 });

      const again = await add(user, mug!.id, 3).expect(200);
      expect(again.body).to.deep.equal({ cart_id: first.body.cart_id, item_count: 5, total_cents: 9995 });
      const third = await add(user, tea!.id, 3).expect(200);
      expect(third.body).to.deep.equal({ cart_id: first.body.cart_id, item_count: 8, total_cents: 10_745 });

      const cart = (await getCart(user)).body;
      expect(cart).to.include({ cart_id: first.body.cart_id, item_count: 8, total_cents: 10_745 });
      expect(cart.items).to.have.length(2);
      expect(cart.items[0]).to.include({
        product_id: mug!.id,
        name: 'Enamel Mug',
        price_cents: 1999,
        quantity: 5,
        line_total_cents: 9995,
        price_changed: false,
      });
      expect(cart.items[0]).to.not.have.property('previous_price_cents');
      expect(cart.items[1]).to.include({
        product_id: tea!.id,
        name: 'Green Tea',
        price_cents: 250,
        quantity: 3,
        line_total_cents: 750,
      });
      expect(await t.container.db('carts').where({ user_id: user.id }).count('* as n')).to.deep.equal([
        { n: 1 },
      ]);
    });

    it('sets a quantity with PATCH, removes the line on 0 and with DELETE, and empties the cart', async () => {
      const user = await createUser(t.container);
      const [a, b, c] = await createProducts(t, 3, { price_cents: 500, stock: 20 });
      for (const p of [a!, b!, c!]) await add(user, p.id, 2).expect(200);

      const patched = await t
        .request()
        .patch(`/cart/items/${a!.id}`)
        .set(user.auth)
        .send({ quantity: 7 })
        .expect(200);
      expect(patched.body.success).to.equal(true);
      expect(quantities(patched.body.cart.items)).to.deep.equal({ [a!.id]: 7, [b!.id]: 2, [c!.id]: 2 });
      expect(patched.body.cart).to.include({ item_count: 11, total_cents: 5500 });

      const zeroed = await t
        .request()
        .patch(`/cart/items/${b!.id}`)
        .set(user.auth)
        .send({ quantity: 0 })
        .expect(200);
      expect(quantities(zeroed.body.cart.items)).to.deep.equal({ [a!.id]: 7, [c!.id]: 2 });

      const removed = await t.request().delete(`/cart/items/${c!.id}`).set(user.auth).expect(200);
      expect(removed.body).to.deep.include({ success: true });
      expect(quantities(removed.body.cart.items)).to.deep.equal({ [a!.id]: 7 });
      expect(removed.body.cart).to.include({ item_count: 7, total_cents: 3500 });

      const cartId = removed.body.cart.cart_id;
      const emptied = await t.request().delete('/cart').set(user.auth).expect(200);
      expect(emptied.body).to.deep.equal({
        success: true,
        cart: { cart_id: cartId, items: [], item_count: 0, total_cents: 0 },
      });
      expect((await getCart(user)).body).to.deep.equal({
        cart_id: cartId,
        items: [],
        item_count: 0,
        total_cents: 0,
      });
      expect(await t.container.db('cart_items').where({ cart_id: cartId })).to.deep.equal([]);
    });

    it('answers 404 not_found for a line that is not in the cart', async () => {
      const user = await createUser(t.container);
      const [inCart, other] = await createProducts(t, 2);
      await add(user, inCart!.id, 1).expect(200);
      const patch = await t
        .request()
        .patch(`/cart/items/${other!.id}`)
        .set(user.auth)
        .send({ quantity: 2 })
        .expect(404);
      expect(patch.body.error).to.deep.include({ code: 'not_found', details: { product_id: other!.id } });
      const del = await t.request().delete(`/cart/items/${other!.id}`).set(user.auth).expect(404);
      expect(del.body.error.code).to.equal('not_found');
      expect(quantities((await getCart(user)).body.items)).to.deep.equal({ [inCart!.id]: 1 });
    });

    it('answers an empty cart to a shopper who has none yet', async () => {
      const user = await createUser(t.container);
      expect((await getCart(user)).body).to.deep.equal({
        cart_id: null,
        items: [],
        item_count: 0,
        total_cents: 0,
      });
      expect((await t.request().get('/cart').expect(200)).body.cart_id).to.equal(null);
    });
  });

  describe('validation', () => {
    let user: User;
    let product: Product;
    before(async () => {
      user = await createUser(t.container);
      product = await createProduct(t.container.db, { stock: 500 });
    });

    const badAdds: [string, () => object, string, RegExp][] = [
      ['a fractional quantity', () => ({ product_id: product.id, quantity: 1.5 }), 'quantity', /integer/],
      ['a negative quantity', () => ({ product_id: product.id, quantity: -1 }), 'quantity', /at least 1/],
      ['a zero quantity', () => ({ product_id: product.id, quantity: 0 }), 'quantity', /at least 1/],
      [
        'a quantity sent as a string',
        () => ({ product_id: product.id, quantity: '2' }),
        'quantity',
        /integer/,
      ],
      ['a quantity over 99', () => ({ product_id: product.id, quantity: 100 }), 'quantity', /at most 99/],
      ['a missing quantity', () => ({ product_id: product.id }), 'quantity', /integer/],
      ['a non-numeric product_id', () => ({ product_id: 'abc', quantity: 1 }), 'product_id', /./],
      ['a fractional product_id', () => ({ product_id: 1.5, quantity: 1 }), 'product_id', /./],
      ['a negative product_id', () => ({ product_id: -3, quantity: 1 }), 'product_id', /./],
      [
        'an unknown field (price_cents)',
        () => ({ product_id: product.id, quantity: 1, price_cents: 1 }),
        'price_cents',
        /unknown field\(s\): price_cents/,
      ],
    ];
    for (const [what, body, path, message] of badAdds) {
      it(`refuses to add ${what} with 400 validation_failed naming ${path}`, async () => {
        const res = await t.request().post('/cart/items').set(user.auth).send(body()).expect(400);
        expect(res.body.error.code).to.equal('validation_failed');
        const issue = res.body.error.details.find((d: { path: string }) => d.path === path);
        expect(issue, JSON.stringify(res.body.error.details)).to.not.equal(undefined);
        expect(issue.message).to.match(message);
      });
    }

    it('refuses a body that is not JSON with 400 bad_request', async () => {
      const res = await t
        .request()
        .post('/cart/items')
        .set(user.auth)
        .set('Content-Type', 'application/json')
        .send('{"product_id": 1,')
        .expect(400);
      expect(res.body.error.code).to.equal('bad_request');
    });

    it('refuses unknown and inactive products with 404 not_found', async () => {
      const unknown = await t
        .request()
        .post('/cart/items')
        .set(user.auth)
        .send({ product_id: 987_654_321, quantity: 1 })
        .expect(404);
      expect(unknown.body.error).to.deep.include({ code: 'not_found', details: { product_id: 987_654_321 } });
      const inactive = await createProduct(t.container.db, { active: false });
      const res = await add(user, inactive.id, 1).expect(404);
      expect(res.body.error).to.deep.include({ code: 'not_found', details: { product_id: inactive.id } });
    });

    it('stores nothing, not even an empty cart or a guest token, when an add is refused', async () => {
      const shopper = await createUser(t.container);
      const scarce = await createProduct(t.container.db, { stock: 1 });
      const retired = await createProduct(t.container.db, { active: false });
      await add(shopper, scarce.id, 2).expect(409);
      await add(shopper, retired.id, 1).expect(404);
      expect((await getCart(shopper)).body.cart_id).to.equal(null);
      expect(await t.container.db('carts').where({ user_id: shopper.id })).to.deep.equal([]);

      const guestCarts = () => t.container.db('carts').whereNull('user_id').count('* as n');
      const before = await guestCarts();
      const refused = await t
        .request()
        .post('/cart/items')
        .send({ product_id: scarce.id, quantity: 2 })
        .expect(409);
      expect(refused.headers).to.not.have.property('x-cart-token');
      expect(refused.body).to.not.have.property('cart_token');
      expect(await guestCarts()).to.deep.equal(before);
    });

    const badPatches: [string, object, RegExp][] = [
      ['a negative quantity', { quantity: -1 }, /at least 0/],
      ['a fractional quantity', { quantity: 2.5 }, /integer/],
      ['a quantity over 99', { quantity: 100 }, /at most 99/],
      ['a string quantity', { quantity: '3' }, /integer/],
      ['a missing quantity', {}, /integer/],
    ];
    for (const [what, body, message] of badPatches) {
      it(`refuses to update to ${what} with 400 validation_failed`, async () => {
        await add(user, product.id, 1).expect(200);
        const res = await t
          .request()
          .patch(`/cart/items/${product.id}`)
          .set(user.auth)
          .send(body)
          .expect(400);
        expect(res.body.error.code).to.equal('validation_failed');
        expect(res.body.error.details[0]).to.include({ path: 'quantity' });
        expect(res.body.error.details[0].message).to.match(message);
      });
    }

    it('refuses unknown fields and a bad product id on update', async () => {
      const extra = await t
        .request()
        .patch(`/cart/items/${product.id}`)
        .set(user.auth)
        .send({ quantity: 1, price_cents: 1 })
        .expect(400);
      expect(extra.body.error.details).to.deep.equal([
        { path: 'price_cents', message: 'unknown field(s): price_cents' },
      ]);
      for (const id of ['abc', '0', '1.5']) {
        const res = await t
          .request()
          .patch(`/cart/items/${id}`)
          .set(user.auth)
          .send({ quantity: 1 })
          .expect(400);
        expect(res.body.error.code).to.equal('validation_failed');
        expect(res.body.error.details[0].message).to.equal('product_id must be a positive integer');
      }
      await t.request().delete('/cart/items/abc').set(user.auth).expect(400);
    });
  });

  describe('limits', () => {
    it('caps a line at 99 units (CART_MAX_QUANTITY) across repeated adds and updates', async () => {
      const user = await createUser(t.container);
      const product = await createProduct(t.container.db, { stock: 500 });
      await add(user, product.id, 60).expect(200);
      const res = await add(user, product.id, 40).expect(422);
      expect(res.body.error).to.deep.equal({
        code: 'quantity_limit_exceeded',
        message: 'At most 99 of one product per cart',
        details: { product_id: product.id, requested: 100, max: 99 },
      });
      await add(user, product.id, 39).expect(200);
      expect(quantities((await getCart(user)).body.items)).to.deep.equal({ [product.id]: 99 });
    });

    it('holds at most 100 lines (CART_MAX_LINES); more units of an existing line still fit', async function () {
      this.timeout(60_000);
      const user = await createUser(t.container);
      const products = await createProducts(t, 101, { price_cents: 100, stock: 5 });
      const cartId = (await add(user, products[0]!.id, 1).expect(200)).body.cart_id;
      // 98 lines straight into the table: the limit is what is under test, not 98 more requests.
      await t.container
        .db('cart_items')
        .insert(
          products
            .slice(1, 99)
            .map((p) => ({ cart_id: cartId, product_id: p.id, quantity: 1, price_cents_at_add: 100 })),
        );
      const hundredth = await add(user, products[99]!.id, 1).expect(200);
      expect(hundredth.body).to.include({ item_count: 100, total_cents: 10_000 });

      const refused = await add(user, products[100]!.id, 1).expect(422);
      expect(refused.body.error).to.deep.include({ code: 'cart_full', details: { max_lines: 100 } });
      await add(user, products[0]!.id, 2).expect(200);

      const cart = (await getCart(user)).body;
      expect(cart.items).to.have.length(100);
      expect(cart.item_count).to.equal(102);
      expect(cart.items.some((i: { product_id: number }) => i.product_id === products[100]!.id)).to.equal(
        false,
      );
    });
  });

  describe('stock', () => {
    it('refuses more than the available units with 409 insufficient_stock, on add and on update', async () => {
      const user = await createUser(t.container);
      const product = await createProduct(t.container.db, { stock: 5 });
      const tooMany = await add(user, product.id, 6).expect(409);
      expect(tooMany.body.error).to.deep.equal({
        code: 'insufficient_stock',
        message: 'Only 5 available',
        details: { product_id: product.id, requested: 6, available: 5 },
      });
      await add(user, product.id, 3).expect(200);
      const summed = await add(user, product.id, 3).expect(409);
      expect(summed.body.error.details).to.deep.equal({ product_id: product.id, requested: 6, available: 5 });

      const patch = await t
        .request()
        .patch(`/cart/items/${product.id}`)
        .set(user.auth)
        .send({ quantity: 6 })
        .expect(409);
      expect(patch.body.error).to.deep.include({ code: 'insufficient_stock' });
      expect(patch.body.error.details.available).to.equal(5);
      await t.request().patch(`/cart/items/${product.id}`).set(user.auth).send({ quantity: 5 }).expect(200);
      expect(quantities((await getCart(user)).body.items)).to.deep.equal({ [product.id]: 5 });
    });

    it('does not count units reserved by checkouts as available', async () => {
      const user = await createUser(t.container);
      const product = await createProduct(t.container.db, { stock: 5 });
      await t.container.db('inventory').where({ product_id: product.id }).update({
        available_count: 2,
        reserved_count: 3,
      });
      await t.container.catalog.invalidateProducts([product.id]);
      const res = await add(user, product.id, 3).expect(409);
      expect(res.body.error.details).to.deep.equal({ product_id: product.id, requested: 3, available: 2 });
      await add(user, product.id, 2).expect(200);
    });

    it('does not reserve: adding leaves inventory untouched', async () => {
      const user = await createUser(t.container);
      const product = await createProduct(t.container.db, { stock: 8 });
      await add(user, product.id, 8).expect(200);
      const other = await createUser(t.container);
      await add(other, product.id, 8).expect(200);
      const inventory = await t.container
        .db('inventory')
        .where({ product_id: product.id })
        .first('available_count', 'reserved_count', 'sold_count');
      expect(inventory).to.deep.equal({ available_count: 8, reserved_count: 0, sold_count: 0 });
      expect(
        await t.container.db('stock_movements').where({ product_id: product.id }).count('* as n'),
      ).to.deep.equal([{ n: 1 }]);
    });
  });

  describe('prices', () => {
    it('keeps a line of a product taken off sale visible but out of the totals', async () => {
      const user = await createUser(t.container);
      const [kept, retired] = await createProducts(t, 2, { price_cents: 300, stock: 10 });
      await add(user, kept!.id, 2).expect(200);
      await add(user, retired!.id, 1).expect(200);
      await t.container.db('products').where({ id: retired!.id }).update({ active: false });
      await t.container.catalog.invalidateProducts([retired!.id]);
      const cart = (await getCart(user)).body;
      expect(cart).to.include({ item_count: 2, total_cents: 600 });
      const off = cart.items.find((i: { product_id: number }) => i.product_id === retired!.id);
      expect(off).to.include({ purchasable: false, available: 0, quantity: 1 });
      expect(cart.items.find((i: { product_id: number }) => i.product_id === kept!.id)).to.include({
        purchasable: true,
      });
    });

    it('shows the current price and flags a line whose price changed since it was added', async () => {
      const user = await createUser(t.container);
      const [kettle, toaster] = await createProducts(t, 2, { price_cents: 1000, stock: 10 });
      await add(user, kettle!.id, 2).expect(200);
      await add(user, toaster!.id, 1).expect(200);

      await setPrice(t, kettle!.id, 1250);
      const cart = (await getCart(user)).body;
      expect(cart.items[0]).to.include({
        product_id: kettle!.id,
        price_cents: 1250,
        quantity: 2,
        line_total_cents: 2500,
        price_changed: true,
        previous_price_cents: 1000,
      });
      expect(cart.items[1]).to.include({ price_cents: 1000, price_changed: false });
      expect(cart.items[1]).to.not.have.property('previous_price_cents');
      expect(cart.total_cents).to.equal(3500);

      // Adding again means the shopper has now seen the new price.
      const added = await add(user, kettle!.id, 1).expect(200);
      expect(added.body).to.include({ item_count: 4, total_cents: 4750 });
      const after = (await getCart(user)).body.items[0];
      expect(after).to.include({ price_cents: 1250, line_total_cents: 3750, price_changed: false });
      expect(after).to.not.have.property('previous_price_cents');
    });
  });

  describe('guests', () => {
    const guestAdd = (productId: number, quantity: number, token?: string) => {
      const req = t.request().post('/cart/items');
      if (token) req.set('X-Cart-Token', token);
      return req.send({ product_id: productId, quantity });
    };

    it('gives a guest a cart token on the first add (201) and keeps using that cart', async () => {
      const [a, b] = await createProducts(t, 2, { price_cents: 300, stock: 10 });
      const first = await guestAdd(a!.id, 2).expect(201);
      expect(first.body.cart_token)
        .to.be.a('string')
        .and.match(/^cart_/);
      expect(first.headers['x-cart-token']).to.equal(first.body.cart_token);
      expect(first.body).to.include({ item_count: 2, total_cents: 600 });
      expect(first.body.cart_id).to.match(UUID);

      const token = first.body.cart_token as string;
      const second = await guestAdd(b!.id, 1, token).expect(200);
      expect(second.body).to.deep.equal({ cart_id: first.body.cart_id, item_count: 3, total_cents: 900 });
      expect(second.headers).to.not.have.property('x-cart-token');

      const cart = await t.request().get('/cart').set('X-Cart-Token', token).expect(200);
      expect(cart.body.cart_id).to.equal(first.body.cart_id);
      expect(quantities(cart.body.items)).to.deep.equal({ [a!.id]: 2, [b!.id]: 1 });

      const row = await cartRow(t, first.body.cart_id);
      expect(row.user_id).to.equal(null);
      const stored = await t.container
        .db('carts')
        .where({ id: first.body.cart_id })
        .first('guest_token_hash');
      expect(stored.guest_token_hash)
        .to.match(/^[0-9a-f]{64}$/)
        .and.not.include(token);
    });

    it('merges the guest cart into a new account on register', async () => {
      const [a, b] = await createProducts(t, 2, { price_cents: 400, stock: 10 });
      const token = (await guestAdd(a!.id, 2).expect(201)).body.cart_token as string;
      const guestCartId = (await guestAdd(b!.id, 1, token).expect(200)).body.cart_id;

      const email = `merge-register-${Date.now()}@test.local`;
      const reg = await t
        .request()
        .post('/auth/register')
        .set('X-Cart-Token', token)
        .send({ email, password: 'correct horse battery' })
        .expect(201);
      expect(reg.body.cart_id).to.match(UUID).and.not.equal(guestCartId);

      const userCart = await t
        .request()
        .get('/cart')
        .set('Authorization', `Bearer ${reg.body.token}`)
        .expect(200);
      expect(userCart.body.cart_id).to.equal(reg.body.cart_id);
      expect(quantities(userCart.body.items)).to.deep.equal({ [a!.id]: 2, [b!.id]: 1 });
      expect(userCart.body.total_cents).to.equal(1200);
      expect((await cartRow(t, guestCartId)).status).to.equal('merged');

      // The guest token is spent: it shows nothing, cannot be written to, and cannot merge twice.
      const guestView = await t.request().get('/cart').set('X-Cart-Token', token).expect(200);
      expect(guestView.body).to.include({ cart_id: null, item_count: 0 });
      const patch = await t
        .request()
        .patch(`/cart/items/${a!.id}`)
        .set('X-Cart-Token', token)
        .send({ quantity: 1 })
        .expect(409);
      expect(patch.body.error.code).to.equal('cart_converted');
      const again = await t
        .request()
        .post('/auth/register')
        .set('X-Cart-Token', token)
        .send({ email: `again-${email}`, password: 'correct horse battery' })
        .expect(201);
      expect(again.body).to.not.have.property('cart_id');
    });

    it('merges on login: quantities summed, capped by stock and by the line limit; unsold products dropped', async () => {
      const email = `merge-login-${Date.now()}@test.local`;
      const password = 'correct horse battery';
      const reg = await t.request().post('/auth/register').send({ email, password }).expect(201);
      const auth = { Authorization: `Bearer ${reg.body.token}` };
      const scarce = await createProduct(t.container.db, { stock: 4 });
      const plenty = await createProduct(t.container.db, { stock: 500 });
      const retired = await createProduct(t.container.db, { stock: 10 });
      const fresh = await createProduct(t.container.db, { stock: 10 });
      await t
        .request()
        .post('/cart/items')
        .set(auth)
        .send({ product_id: scarce.id, quantity: 3 })
        .expect(200);
      const userCartId = (
        await t
          .request()
          .post('/cart/items')
          .set(auth)
          .send({ product_id: plenty.id, quantity: 98 })
          .expect(200)
      ).body.cart_id;

      const token = (await guestAdd(scarce.id, 2).expect(201)).body.cart_token as string;
      await guestAdd(plenty.id, 5, token).expect(200);
      await guestAdd(retired.id, 1, token).expect(200);
      await guestAdd(fresh.id, 1, token).expect(200);
      await t.container.db('products').where({ id: retired.id }).update({ active: false });
      await t.container.catalog.invalidateProducts([retired.id]);

      const login = await t
        .request()
        .post('/auth/login')
        .set('X-Cart-Token', token)
        .send({ email, password })
        .expect(200);
      expect(login.body.cart_id).to.equal(userCartId);
      const cart = await t.request().get('/cart').set(auth).expect(200);
      expect(cart.body.cart_id).to.equal(userCartId);
      expect(quantities(cart.body.items)).to.deep.equal({ [scarce.id]: 4, [plenty.id]: 99, [fresh.id]: 1 });
      expect(await t.container.db('carts').where({ user_id: reg.body.user_id })).to.have.length(1);
    });

    it('merges a guest cart once even when two sign-ins race with the same token', async () => {
      const email = `merge-race-${Date.now()}@test.local`;
      const password = 'correct horse battery';
      const reg = await t.request().post('/auth/register').send({ email, password }).expect(201);
      const product = await createProduct(t.container.db, { stock: 50 });
      const token = (await guestAdd(product.id, 3).expect(201)).body.cart_token as string;

      const logins = await Promise.allSettled(
        [1, 2, 3].map(() =>
          t.request().post('/auth/login').set('X-Cart-Token', token).send({ email, password }),
        ),
      );
      const statuses = logins.map((r) => (r.status === 'fulfilled' ? r.value.status : r.reason));
      expect(statuses).to.deep.equal([200, 200, 200]);
      const cartIds = logins.map((r) => (r.status === 'fulfilled' ? r.value.body.cart_id : undefined));
      expect(cartIds.filter(Boolean)).to.have.length(1);
      const cart = await t
        .request()
        .get('/cart')
        .set('Authorization', `Bearer ${reg.body.token}`)
        .expect(200);
      expect(quantities(cart.body.items)).to.deep.equal({ [product.id]: 3 });
    });
  });

  describe('ownership and security', () => {
    it("shows and changes only the caller's own cart", async () => {
      const alice = await createUser(t.container);
      const bob = await createUser(t.container);
      const [a, b] = await createProducts(t, 2, { stock: 10 });
      const aliceCart = (await add(alice, a!.id, 2).expect(200)).body.cart_id;

      expect((await getCart(bob)).body).to.include({ cart_id: null, item_count: 0 });
      const patch = await t
        .request()
        .patch(`/cart/items/${a!.id}`)
        .set(bob.auth)
        .send({ quantity: 9 })
        .expect(404);
      expect(patch.body.error.code).to.equal('cart_not_found');
      await t.request().delete(`/cart/items/${a!.id}`).set(bob.auth).expect(404);
      await t.request().delete('/cart').set(bob.auth).expect(404);

      const bobCart = (await add(bob, b!.id, 1).expect(200)).body.cart_id;
      expect(bobCart).to.not.equal(aliceCart);
      await t.request().patch(`/cart/items/${a!.id}`).set(bob.auth).send({ quantity: 9 }).expect(404);
      await t.request().delete('/cart').set(bob.auth).expect(200);

      const mine = (await getCart(alice)).body;
      expect(mine.cart_id).to.equal(aliceCart);
      expect(quantities(mine.items)).to.deep.equal({ [a!.id]: 2 });
    });

    it('keeps guest tokens away from user carts', async () => {
      const alice = await createUser(t.container);
      const [a, b] = await createProducts(t, 2, { stock: 10 });
      const aliceCart = (await add(alice, a!.id, 2).expect(200)).body.cart_id as string;

      // A cart id is not a cart token.
      const byId = await t
        .request()
        .patch(`/cart/items/${a!.id}`)
        .set('X-Cart-Token', aliceCart)
        .send({ quantity: 1 })
        .expect(404);
      expect(byId.body.error.code).to.equal('cart_not_found');
      expect(
        (await t.request().get('/cart').set('X-Cart-Token', aliceCart).expect(200)).body.cart_id,
      ).to.equal(null);

      const guestToken = (
        await t.request().post('/cart/items').send({ product_id: b!.id, quantity: 1 }).expect(201)
      ).body.cart_token as string;
      const cross = await t
        .request()
        .patch(`/cart/items/${a!.id}`)
        .set('X-Cart-Token', guestToken)
        .send({ quantity: 9 })
        .expect(404);
      expect(cross.body.error.code).to.equal('not_found');
      await t.request().delete(`/cart/items/${a!.id}`).set('X-Cart-Token', guestToken).expect(404);

      // Signed in, the bearer token decides; a guest token sent alongside is not a second key.
      await t.request().delete('/cart').set(alice.auth).set('X-Cart-Token', guestToken).expect(200);
      const guestCart = await t.request().get('/cart').set('X-Cart-Token', guestToken).expect(200);
      expect(quantities(guestCart.body.items)).to.deep.equal({ [b!.id]: 1 });
      expect(await t.container.db('cart_items').where({ cart_id: aliceCart })).to.deep.equal([]);
    });

    it('answers 404 cart_not_found to an unknown X-Cart-Token on PATCH and DELETE', async () => {
      const product = await createProduct(t.container.db);
      const token = 'cart_not-a-real-token';
      const patch = await t
        .request()
        .patch(`/cart/items/${product.id}`)
        .set('X-Cart-Token', token)
        .send({ quantity: 1 })
        .expect(404);
      expect(patch.body.error).to.deep.equal({ code: 'cart_not_found', message: 'No active cart' });
      for (const path of [`/cart/items/${product.id}`, '/cart']) {
        const res = await t.request().delete(path).set('X-Cart-Token', token).expect(404);
        expect(res.body.error.code).to.equal('cart_not_found');
      }
    });

    it('starts a fresh guest cart when an add comes with a token whose cart is gone', async () => {
      const product = await createProduct(t.container.db, { stock: 5 });
      const res = await t
        .request()
        .post('/cart/items')
        .set('X-Cart-Token', 'cart_purged-long-ago')
        .send({ product_id: product.id, quantity: 1 })
        .expect(201);
      expect(res.body.cart_token).to.match(/^cart_/);
      expect(res.body.cart_token).to.not.equal('cart_purged-long-ago');
      expect(res.get('X-Cart-Token')).to.equal(res.body.cart_token);
      const cart = await t.request().get('/cart').set('X-Cart-Token', res.body.cart_token).expect(200);
      expect(cart.body).to.include({ cart_id: res.body.cart_id, item_count: 1 });
    });

    it('answers 401 to a bad bearer token on every cart route', async () => {
      const product = await createProduct(t.container.db);
      const bad = { Authorization: 'Bearer shp_not-a-real-token' };
      const calls = [
        t.request().get('/cart').set(bad),
        t.request().post('/cart/items').set(bad).send({ product_id: product.id, quantity: 1 }),
        t.request().patch(`/cart/items/${product.id}`).set(bad).send({ quantity: 1 }),
        t.request().delete(`/cart/items/${product.id}`).set(bad),
        t.request().delete('/cart').set(bad),
        t.request().get('/cart').set('Authorization', 'Basic dXNlcjpwYXNz'),
      ];
      for (const call of calls) {
        const res = await call.expect(401);
        expect(res.body.error.code).to.equal('unauthorized');
      }
      expect(await t.container.db('cart_items').where({ product_id: product.id })).to.deep.equal([]);
    });
  });

  describe('storage', () => {
    it('never loses a line or a unit under concurrent writes, and Redis ends equal to PostgreSQL', async () => {
      const user = await createUser(t.container);
      const distinct = await createProducts(t, 20, { price_cents: 100, stock: 10 });
      const hot = await createProduct(t.container.db, { price_cents: 700, stock: 100 });

      // The user has no cart yet, so the first adds also race to create it.
      const results = await Promise.allSettled(
        distinct.flatMap((p) => [add(user, p.id, 1).then((r) => r), add(user, hot.id, 1).then((r) => r)]),
      );
      const statuses = results.map((r) => (r.status === 'fulfilled' ? r.value.status : String(r.reason)));
      expect(statuses).to.deep.equal(Array(40).fill(200));

      const carts = await cartsOf(t, user.id);
      expect(carts).to.have.length(1);
      const cartId = carts[0]!.id;
      expect(carts[0]!.version).to.equal(40);
      const cart = (await getCart(user)).body;
      expect(cart.cart_id).to.equal(cartId);
      expect(quantities(cart.items)).to.deep.equal({
        ...Object.fromEntries(distinct.map((p) => [p.id, 1])),
        [hot.id]: 20,
      });
      expect(cart).to.include({ item_count: 40, total_cents: 20 * 100 + 20 * 700 });
      expect(await t.container.cache.getJson<CartState>(`cart:${cartId}`)).to.deep.equal(
        await pgState(t, cartId),
      );

      // Updates and removals racing each other on one cart.
      const second = await Promise.allSettled([
        ...distinct.slice(0, 10).map((p) =>
          t
            .request()
            .patch(`/cart/items/${p.id}`)
            .set(user.auth)
            .send({ quantity: 5 })
            .then((r) => r),
        ),
        ...distinct.slice(10).map((p) =>
          t
            .request()
            .delete(`/cart/items/${p.id}`)
            .set(user.auth)
            .then((r) => r),
        ),
        ...Array.from({ length: 10 }, () => add(user, hot.id, 1).then((r) => r)),
      ]);
      expect(second.map((r) => (r.status === 'fulfilled' ? r.value.status : String(r.reason)))).to.deep.equal(
        Array(30).fill(200),
      );
      const state = await pgState(t, cartId);
      expect(state.version).to.equal(70);
      expect(quantities(state.lines)).to.deep.equal({
        ...Object.fromEntries(distinct.slice(0, 10).map((p) => [p.id, 5])),
        [hot.id]: 30,
      });
      expect(await t.container.cache.getJson<CartState>(`cart:${cartId}`)).to.deep.equal(state);
    });

    it('keeps the cart in PostgreSQL when Redis is flushed', async () => {
      const user = await createUser(t.container);
      const [a, b] = await createProducts(t, 2, { price_cents: 250, stock: 10 });
      const cartId = (await add(user, a!.id, 2).expect(200)).body.cart_id as string;
      await add(user, b!.id, 1).expect(200);
      const before = (await getCart(user)).body;
      expect(await t.container.cache.getJson(`cart:${cartId}`)).to.not.equal(null);

      expect(await t.container.cache.delPattern('*')).to.be.greaterThan(0);
      expect(await t.container.cache.getJson(`cart:${cartId}`)).to.equal(null);
      const after = (await getCart(user)).body;
      expect(after).to.deep.equal(before);
      expect(after).to.include({ cart_id: cartId, item_count: 3, total_cents: 750 });
      // The read put the cart back in Redis.
      expect(await t.container.cache.getJson(`cart:${cartId}`)).to.deep.equal(await pgState(t, cartId));

      await t.container.cache.delPattern('*');
      await t.request().patch(`/cart/items/${a!.id}`).set(user.auth).send({ quantity: 4 }).expect(200);
      expect(quantities((await getCart(user)).body.items)).to.deep.equal({ [a!.id]: 4, [b!.id]: 1 });
    });

    it('keeps the Redis copy for 30 days, refreshed on every write', async () => {
      const redis = createClient({ url: baseUrls().redisUrl });
      await redis.connect();
      try {
        const user = await createUser(t.container);
        const product = await createProduct(t.container.db, { stock: 10 });
        const cartId = (await add(user, product.id, 1).expect(200)).body.cart_id as string;
        const key = `${t.container.cache.prefix}cart:${cartId}`;
        const thirtyDays = 30 * DAY_MS;
        expect(await redis.pTTL(key)).to.be.within(thirtyDays - 60_000, thirtyDays);

        await redis.pExpire(key, 60_000);
        await t.request().patch(`/cart/items/${product.id}`).set(user.auth).send({ quantity: 2 }).expect(200);
        expect(await redis.pTTL(key)).to.be.within(thirtyDays - 60_000, thirtyDays);
      } finally {
        await redis.quit();
      }
    });

    it('records created_at, updated_at and converted_at', async () => {
      const user = await createUser(t.container);
      const product = await createProduct(t.container.db, { stock: 10 });
      const cartId = (await add(user, product.id, 1).expect(200)).body.cart_id as string;
      const created = await cartRow(t, cartId);
      expect(created.created_at).to.be.instanceOf(Date);
      expect(created.updated_at.getTime()).to.be.at.least(created.created_at.getTime());
      expect(created.converted_at).to.equal(null);

      await t.container.db.raw(`UPDATE carts SET updated_at = now() - interval '1 hour' WHERE id = ?`, [
        cartId,
      ]);
      await t.request().patch(`/cart/items/${product.id}`).set(user.auth).send({ quantity: 3 }).expect(200);
      const touched = await cartRow(t, cartId);
      expect(touched.created_at).to.deep.equal(created.created_at);
      expect(Date.now() - touched.updated_at.getTime()).to.be.within(-5_000, 5_000);

      const before = await t.container.cache.getJson<{ version: number; status: string }>(`cart:${cartId}`);
      await t
        .request()
        .post('/checkout')
        .set(user.auth)
        .set('Idempotency-Key', `convert-${cartId}`)
        .send({ cart_id: cartId, shipping_address: ADDRESS, payment_method: 'pm_card_visa' })
        .expect(201);
      // A reader that fetched the active state just before the checkout writes it back late: the
      // converted marker (a newer version) wins, so the shopper never sees the old cart again.
      const stale = { ...before!, status: 'active' };
      await t.container.cache.setIfNewer(`cart:${cartId}`, before!.version, stale, 60_000);
      expect((await t.container.cache.getJson<{ status: string }>(`cart:${cartId}`))!.status).to.equal(
        'converted',
      );
      const converted = await cartRow(t, cartId);
      expect(converted.status).to.equal('converted');
      expect(converted.converted_at).to.be.instanceOf(Date);
      expect(Date.now() - converted.converted_at!.getTime()).to.be.within(-5_000, 5_000);

      // One active cart per customer: the next add starts a new one.
      expect((await getCart(user)).body.cart_id).to.equal(null);
      const next = (await add(user, product.id, 1).expect(200)).body.cart_id;
      expect(next).to.match(UUID).and.not.equal(cartId);
      const carts = await cartsOf(t, user.id);
      expect(carts.map((c) => c.status).sort()).to.deep.equal(['active', 'converted']);
    });
  });

  describe('retention', () => {
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
      expect(await t.container.cache.getJson(`cart:${ids.stale}`)).to.not.equal(null);

      expect(await t.container.cart.purgeStaleCarts()).to.equal(2);
      const left = await t.container.db('carts').orderBy('id').pluck('id');
      expect(left).to.deep.equal([ids.converted, ids.recent].sort());
      expect(await t.container.db('cart_items').whereIn('cart_id', [ids.stale, ids.merged])).to.deep.equal(
        [],
      );
      expect(await t.container.cache.getJson(`cart:${ids.stale}`)).to.equal(null);
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
      expect(await t.container.cache.getJson(`cart:${ids.stale}`)).to.equal(null);
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

    it('shopctl carts purge refuses a bad --older-than with exit code 1 and says why', async function () {
      this.timeout(60_000);
      await t.container.db('carts').delete();
      await staleCarts();
      for (const value of ['30x', 'thirty', '0d']) {
        const run = await shopctl(t, ['carts', 'purge', '--older-than', value, '--json']);
        expect(run.code, `${value}: ${run.stderr}`).to.equal(1);
        expect(run.stdout).to.equal('');
        expect(run.stderr).to.include(`--older-than must look like 30d, 12h or 90m, got "${value}"`);
      }
      expect(await t.container.db('carts').count('* as n')).to.deep.equal([{ n: 4 }]);
    });
  });
});

describe('cart with Redis down', () => {
  let t: TestContext;
  before(async () => {
    t = await createTestContext({ REDIS_URL: 'redis://127.0.0.1:1' });
  });
  after(() => t?.close());

  it('adds, updates, shows, merges and removes from PostgreSQL alone', async () => {
    expect(t.container.cache.ready).to.equal(false);
    const user = await createUser(t.container);
    const [a, b] = await createProducts(t, 2, { price_cents: 1500, stock: 10 });
    const added = await t
      .request()
      .post('/cart/items')
      .set(user.auth)
      .send({ product_id: a!.id, quantity: 2 })
      .expect(200);
    expect(added.body).to.include({ item_count: 2, total_cents: 3000 });
    await t.request().patch(`/cart/items/${a!.id}`).set(user.auth).send({ quantity: 3 }).expect(200);
    await t.container.db('products').where({ id: a!.id }).update({ price_cents: 1600 });

    const guest = await t.request().post('/cart/items').send({ product_id: b!.id, quantity: 1 }).expect(201);
    const email = `redis-down-${Date.now()}@test.local`;
    const reg = await t
      .request()
      .post('/auth/register')
      .set('X-Cart-Token', guest.body.cart_token)
      .send({ email, password: 'correct horse battery' })
      .expect(201);
    const mergedCart = await t
      .request()
      .get('/cart')
      .set('Authorization', `Bearer ${reg.body.token}`)
      .expect(200);
    expect(quantities(mergedCart.body.items)).to.deep.equal({ [b!.id]: 1 });

    const cart = (await t.request().get('/cart').set(user.auth).expect(200)).body;
    expect(cart).to.include({ cart_id: added.body.cart_id, item_count: 3, total_cents: 4800 });
    expect(cart.items[0]).to.include({ price_cents: 1600, price_changed: true, previous_price_cents: 1500 });

    await t.request().delete(`/cart/items/${a!.id}`).set(user.auth).expect(200);
    expect((await t.request().get('/cart').set(user.auth).expect(200)).body.items).to.deep.equal([]);
  });

  it('serialises concurrent writes without Redis', async () => {
    const user = await createUser(t.container);
    const hot = await createProduct(t.container.db, { stock: 100 });
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () =>
        t
          .request()
          .post('/cart/items')
          .set(user.auth)
          .send({ product_id: hot.id, quantity: 1 })
          .then((r) => r),
      ),
    );
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value.status : String(r.reason)))).to.deep.equal(
      Array(20).fill(200),
    );
    const cart = (await t.request().get('/cart').set(user.auth).expect(200)).body;
    expect(quantities(cart.items)).to.deep.equal({ [hot.id]: 20 });
  });
});
