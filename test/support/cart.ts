import type { CartState } from '../../src/cart/schemas.js';
import type { TestContext } from './context.js';
import { createProduct, type createUser, type ProductFixture } from './fixtures.js';

export type User = Awaited<ReturnType<typeof createUser>>;
export type Product = Awaited<ReturnType<typeof createProduct>>;

export const DAY_MS = 86_400_000;

export interface CartRow {
  id: string;
  user_id: string | null;
  status: string;
  version: number;
  created_at: Date;
  updated_at: Date;
  converted_at: Date | null;
}

export async function createProducts(
  t: TestContext,
  n: number,
  fixture: ProductFixture = {},
): Promise<Product[]> {
  const products: Product[] = [];
  for (let i = 0; i < n; i++) products.push(await createProduct(t.container.db, fixture));
  return products;
}

export const cartRow = (t: TestContext, id: string) => t.container.db('carts').where({ id }).first<CartRow>();

export const cartsOf = (t: TestContext, userId: string) =>
  t.container.db('carts').where({ user_id: userId }).orderBy('created_at').select<CartRow[]>();

/** The cart as PostgreSQL holds it, in the shape the service publishes to Redis. */
export async function pgState(t: TestContext, cartId: string): Promise<CartState> {
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

export const quantities = (items: { product_id: number; quantity: number }[]) =>
  Object.fromEntries(items.map((i) => [i.product_id, i.quantity]));

export async function setPrice(t: TestContext, productId: number, priceCents: number) {
  await t.container.db('products').where({ id: productId }).update({ price_cents: priceCents });
  await t.container.catalog.invalidateProducts([productId]);
}

/**
 * The cart calls most tests make, against the context `current()` answers (a describe's `t`,
 * assigned in its before hook).
 */
export function cartRequests(current: () => TestContext) {
  return {
    add: (user: User, productId: number, quantity: number) =>
      current().request().post('/cart/items').set(user.auth).send({ product_id: productId, quantity }),
    getCart: (user: User) => current().request().get('/cart').set(user.auth).expect(200),
    /** An add without a bearer token: with `token`, to that guest cart; without, it starts one. */
    guestAdd: (productId: number, quantity: number, token?: string) => {
      const req = current().request().post('/cart/items');
      if (token) req.set('X-Cart-Token', token);
      return req.send({ product_id: productId, quantity });
    },
  };
}
