import { productQuerySchema } from '../src/catalog/index.js';
import type { Container } from '../src/container.js';
import type { Scenario } from './fire.js';
import { type MixBenchOptions, runMixBench } from './mix.js';

/** 409 insufficient_stock and 422 limits are business answers: counted, not failures. */
const BUSINESS_ANSWERS = new Set(['409 insufficient_stock', '422 quantity_limit_exceeded', '422 cart_full']);
const SEEDED_LINES = 3;

interface Shopper {
  id: string;
  auth: string;
  /** Lines put in the cart before the run; the mix never removes one, so PATCH always finds it. */
  lines: number[];
}

const pick = <T>(items: T[]): T => items[Math.floor(Math.random() * items.length)]!;

async function createShoppers(c: Container, count: number, productIds: number[]): Promise<Shopper[]> {
  const shoppers: Shopper[] = [];
  for (let i = 0; i < count; i++) {
    const user = await c.users.createUser({ email: `bench-${i}@bench.local`, role: 'customer' });
    const lines = productIds.slice(i * SEEDED_LINES, (i + 1) * SEEDED_LINES);
    for (const productId of lines) {
      await c.cart.addItem({ kind: 'user', userId: user.id }, { product_id: productId, quantity: 1 });
    }
    shoppers.push({ id: user.id, auth: `Bearer ${await c.users.issueToken(user.id, 'bench')}`, lines });
  }
  return shoppers;
}

function cartMix(shoppers: Shopper[], productIds: number[]): Scenario[] {
  return [
    {
      name: 'POST /cart/items',
      weight: 40,
      next: () => ({
        method: 'POST',
        path: '/cart/items',
        headers: { authorization: pick(shoppers).auth },
        body: JSON.stringify({ product_id: pick(productIds), quantity: 1 + Math.floor(Math.random() * 2) }),
      }),
    },
    {
      name: 'PATCH /cart/items/:id',
      weight: 20,
      next: () => {
        const s = pick(shoppers);
        return {
          method: 'PATCH',
          path: `/cart/items/${pick(s.lines)}`,
          headers: { authorization: s.auth },
          body: JSON.stringify({ quantity: 1 + Math.floor(Math.random() * 5) }),
        };
      },
    },
    {
      name: 'GET /cart',
      weight: 40,
      next: () => ({ method: 'GET', path: '/cart', headers: { authorization: pick(shoppers).auth } }),
    },
  ];
}

/** Every shopper's Redis copy must equal PostgreSQL once the writes have settled. */
async function staleCaches(c: Container, shoppers: Shopper[]): Promise<number> {
  let stale = 0;
  for (const s of shoppers) if (!(await c.cart.cachedCopyIsCurrent(s.id))) stale++;
  return stale;
}

/** Every product with room for many carts' worth of units, read page by page from the catalog. */
async function stockedProductIds(c: Container, minAvailable: number): Promise<number[]> {
  const ids: number[] = [];
  let cursor: string | undefined;
  do {
    const page = await c.catalog.listProducts(
      productQuerySchema.parse({ in_stock: 'true', limit: '100', ...(cursor ? { cursor } : {}) }),
    );
    for (const p of page.products) if (p.available >= minAvailable) ids.push(p.id);
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  return ids.sort((a, b) => a - b);
}

/**
 * The cart under load: 40% add, 20% update, 40% view, each as a random one of `users` shoppers.
 * 409 insufficient_stock and 422 limits are business answers; at the end every cart's Redis copy
 * must equal PostgreSQL.
 */
export const runCartBench = (opts: MixBenchOptions & { users: number }) =>
  runMixBench('cart', opts, async (c) => {
    // Products with room for many carts' worth of units: a 409 should be news, not noise.
    const productIds = await stockedProductIds(c, 50);
    const shoppers = await createShoppers(c, opts.users, productIds);
    return {
      mix: cartMix(shoppers, productIds),
      businessAnswers: BUSINESS_ANSWERS,
      check: async () => {
        const stale = await staleCaches(c, shoppers);
        return stale ? [`${stale} cart(s) whose Redis copy differs from PostgreSQL`] : [];
      },
    };
  });
