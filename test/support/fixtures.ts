import { createProducts } from '../../src/catalog/create-products.js';
import type { Container } from '../../src/container.js';
import type { Db } from '../../src/db/index.js';

let seq = 0;

/** A lower-case UUID, as PostgreSQL's gen_random_uuid() writes it. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface ProductFixture {
  sku?: string;
  name?: string;
  description?: string;
  category?: string;
  price_cents?: number;
  stock?: number;
  active?: boolean;
  created_at?: Date;
}

export async function ensureCategory(db: Db, slug: string, name = slug) {
  await db('categories').insert({ slug, name }).onConflict('slug').ignore();
}

/** Inserts a product with its inventory and the 'received' ledger line, as the seed does. */
export async function createProduct(db: Db, fixture: ProductFixture = {}) {
  const n = ++seq;
  const category = fixture.category ?? 'misc';
  await ensureCategory(db, category);
  const stock = fixture.stock ?? 10;
  const product = {
    sku: fixture.sku ?? `T-${process.pid}-${n}`,
    name: fixture.name ?? `Test product ${n}`,
    price_cents: fixture.price_cents ?? 1000,
  };
  const [created] = await createProducts(
    db,
    [
      {
        ...product,
        description: fixture.description,
        category,
        active: fixture.active,
        stock,
        created_at: fixture.created_at,
      },
    ],
    { actor: 'test', reason: 'fixture' },
  );
  return { id: created!.id, ...product };
}

/** A user with a bearer token; no password, so it costs no scrypt time. */
export async function createUser(
  container: Container,
  role: 'customer' | 'admin' = 'customer',
  email?: string,
) {
  const user = await container.users.createUser({
    email: email ?? `user${++seq}-${process.pid}@test.local`,
    role,
  });
  const token = await container.users.issueToken(user.id, 'test');
  return { id: user.id, email: user.email, token, auth: { Authorization: `Bearer ${token}` } };
}
