import { readdir } from 'node:fs/promises';
import { expect } from 'chai';
import { DEMO_PASSWORD, DEMO_USERS, seedDemoStore } from '../../seeds/demo-store.js';
import {
  createDb,
  type Db,
  migrateLatest,
  quoteIdent,
  rollbackAll,
  withDatabase,
  withMaintenance,
} from '../../src/db/index.js';
import { hashPassword, verifyPassword } from '../../src/users/passwords.js';
import { baseUrls } from '../support/context.js';

const DATA_MODEL = [
  'api_tokens',
  'cart_items',
  'carts',
  'categories',
  'idempotency_keys',
  'inventory',
  'order_items',
  'order_status_history',
  'orders',
  'outbox_events',
  'payments',
  'products',
  'reservations',
  'stock_movements',
  'users',
  'webhook_events',
];

async function applicationTables(db: Db): Promise<string[]> {
  const rows: { tablename: string }[] = await db('pg_tables')
    .where('schemaname', 'public')
    .whereNotIn('tablename', ['knex_migrations', 'knex_migrations_lock'])
    .orderBy('tablename')
    .select('tablename');
  return rows.map((r) => r.tablename);
}

/**
 * Runs `fn` in a transaction that is always rolled back, so probes leave nothing behind and
 * need no particular order; answers the error, or an Error('accepted') when `fn` went through.
 */
async function attempt(db: Db, fn: (trx: Db) => Promise<unknown>) {
  try {
    await db.transaction(async (trx) => {
      await fn(trx);
      throw new Error('accepted');
    });
  } catch (err) {
    return err as { code?: string; constraint?: string; message: string };
  }
  throw new Error('unreachable');
}

async function insertProductAndCart(trx: Db) {
  await trx('categories').insert({ slug: 'misc', name: 'Misc' });
  const [{ id: productId }] = await trx('products')
    .insert({ sku: 'CHK-1', name: 'Check', category: 'misc', price_cents: 100 })
    .returning('id');
  await trx('inventory').insert({ product_id: productId, available_count: 5 });
  const [{ id: userId }] = await trx('users').insert({ email: 'check@example.com' }).returning('id');
  const [{ id: cartId }] = await trx('carts').insert({ user_id: userId }).returning('id');
  return { productId: productId as number, cartId: cartId as string };
}

describe('migrations and the demo seed, on a brand-new database', () => {
  // Named like the test databases, so an interrupted run's leftover is dropped by the global setup.
  const name = `shop_test_migrations_${process.pid}_${Date.now() % 100_000}`;
  const url = withDatabase(baseUrls().databaseUrl, name);
  let db: Db;

  before(async () => {
    await withMaintenance(url, (client) => client.query(`CREATE DATABASE ${quoteIdent(name)}`));
    db = createDb(url, 4);
  });

  after(async () => {
    await db?.destroy();
    await withMaintenance(url, (client) =>
      client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`),
    );
  });

  describe('schema', () => {
    it('migrateLatest creates every table of the data model in an empty database', async () => {
      expect(await applicationTables(db)).to.deep.equal([]);
      expect(await migrateLatest(db)).to.have.length.above(0);
      expect(await applicationTables(db)).to.include.members(DATA_MODEL);
      expect(await migrateLatest(db)).to.deep.equal([]);
    });

    it('rollbackAll leaves no application tables, and migrating again works', async () => {
      await migrateLatest(db);
      expect(await rollbackAll(db)).to.have.length.above(0);
      expect(await applicationTables(db)).to.deep.equal([]);
      expect(await migrateLatest(db)).to.have.length.above(0);
      expect(await applicationTables(db)).to.include.members(DATA_MODEL);
    });

    it('records every migration by its source file name, as the compiled build does', async () => {
      await migrateLatest(db);
      const recorded = (await db('knex_migrations').orderBy('id').pluck('name')) as string[];
      const files = (await readdir(new URL('../../migrations/', import.meta.url))).filter((f) =>
        f.endsWith('.ts'),
      );
      expect(recorded).to.deep.equal(files.sort());
    });
  });

  describe('CHECK constraints', () => {
    before(() => migrateLatest(db));

    const inventoryCases: [column: string, constraint: string][] = [
      ['available_count', 'inventory_available_nonnegative'],
      ['reserved_count', 'inventory_reserved_nonnegative'],
      ['sold_count', 'inventory_sold_nonnegative'],
    ];
    for (const [column, constraint] of inventoryCases) {
      it(`rejects inventory.${column} < 0`, async () => {
        const err = await attempt(db, async (trx) => {
          const { productId } = await insertProductAndCart(trx);
          await trx('inventory')
            .where({ product_id: productId })
            .update({ [column]: -1 });
        });
        expect(err).to.include({ code: '23514', constraint });
      });
    }

    it('rejects products.price_cents < 0', async () => {
      const err = await attempt(db, async (trx) => {
        const { productId } = await insertProductAndCart(trx);
        await trx('products').where({ id: productId }).update({ price_cents: -1 });
      });
      expect(err).to.include({ code: '23514', constraint: 'products_price_cents_nonnegative' });
    });

    it('rejects a cart item with quantity 0', async () => {
      const err = await attempt(db, async (trx) => {
        const { productId, cartId } = await insertProductAndCart(trx);
        await trx('cart_items').insert({
          cart_id: cartId,
          product_id: productId,
          quantity: 0,
          price_cents_at_add: 100,
        });
      });
      expect(err).to.include({ code: '23514', constraint: 'cart_items_quantity_positive' });
    });

    it('accepts the boundary values: zero counts, zero price, quantity 1', async () => {
      const outcome = await attempt(db, async (trx) => {
        const { productId, cartId } = await insertProductAndCart(trx);
        await trx('inventory')
          .where({ product_id: productId })
          .update({ available_count: 0, reserved_count: 0, sold_count: 0 });
        await trx('products').where({ id: productId }).update({ price_cents: 0 });
        await trx('cart_items').insert({
          cart_id: cartId,
          product_id: productId,
          quantity: 1,
          price_cents_at_add: 0,
        });
      });
      expect(outcome.message).to.equal('accepted');
    });
  });

  describe('demo seed', () => {
    before(async function () {
      this.timeout(120_000);
      await migrateLatest(db);
      const tables = await applicationTables(db);
      await db.raw(`TRUNCATE ${tables.map(quoteIdent).join(', ')} RESTART IDENTITY CASCADE`);
      await seedDemoStore(db, { products: 2_000, hashPassword });
    });

    const count = async (table: string) =>
      (await db(table).count<{ count: number }[]>('* as count'))[0]!.count;

    it('creates 2000 products, each with an inventory row', async () => {
      expect(await count('products')).to.equal(2_000);
      expect(await count('inventory')).to.equal(2_000);
    });

    it('spreads the products over at least 20 categories', async () => {
      const distinct = await db('products').countDistinct<{ used: number }[]>('category as used');
      expect(distinct[0]?.used).to.be.at.least(20);
      expect(await count('categories')).to.be.at.least(20);
    });

    it("matches every product's inventory to its received ledger lines", async () => {
      const mismatched = await db('products as p')
        .join('inventory as i', 'i.product_id', 'p.id')
        .leftJoin(
          db('stock_movements')
            .where('kind', 'received')
            .groupBy('product_id')
            .select('product_id', db.raw('sum(quantity)::int as received'))
            .as('m'),
          'm.product_id',
          'p.id',
        )
        .whereRaw('i.available_count + i.reserved_count + i.sold_count <> coalesce(m.received, 0)')
        .select('p.id');
      expect(mismatched).to.deep.equal([]);
      const stocked = await db('inventory').sum<{ units: number }[]>('available_count as units');
      expect(Number(stocked[0]?.units)).to.be.above(0);
    });

    it('creates the demo users with the demo password', async () => {
      const users = await db('users')
        .whereIn(
          'email',
          DEMO_USERS.map((u) => u.email),
        )
        .select('email', 'role', 'password_hash');
      expect(users.map((u) => [u.email, u.role])).to.have.deep.members(
        DEMO_USERS.map((u) => [u.email, u.role]),
      );
      for (const u of users)
        expect(await verifyPassword(DEMO_PASSWORD, u.password_hash), u.email).to.equal(true);
    });

    it('is idempotent', async function () {
      this.timeout(120_000);
      const before = {
        products: await count('products'),
        movements: await count('stock_movements'),
        users: await count('users'),
        categories: await count('categories'),
      };
      await seedDemoStore(db, { products: 2_000, hashPassword });
      expect({
        products: await count('products'),
        movements: await count('stock_movements'),
        users: await count('users'),
        categories: await count('categories'),
      }).to.deep.equal(before);
      expect(before.products).to.equal(2_000);
    });
  });
});
