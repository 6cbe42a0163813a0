import { expect } from 'chai';
import { seedDemoStore } from '../../seeds/demo-store.js';
import { createDb, type Db } from '../../src/db/index.js';
import { hashPassword } from '../../src/users/passwords.js';
import { createTestDatabase, dropTestDatabase } from '../support/context.js';

/**
 * The bulk path (indexes, foreign keys and the vocabulary trigger moved out of the way, rebuilt
 * once) must leave the same catalog and the same schema as the row-by-row path.
 */
describe('demo seed: bulk load', () => {
  const PRODUCTS = 3_000;
  const urls: string[] = [];
  let bulk: Db;
  let rowByRow: Db;

  before(async function () {
    this.timeout(120_000);
    urls.push(await createTestDatabase(), await createTestDatabase());
    [bulk, rowByRow] = urls.map((u) => createDb(u, 2)) as [Db, Db];
    await seedDemoStore(bulk, { products: PRODUCTS, hashPassword, bulkMinProducts: 0 });
    await seedDemoStore(rowByRow, { products: PRODUCTS, hashPassword, bulkMinProducts: Infinity });
  });

  after(async () => {
    await Promise.all([bulk?.destroy(), rowByRow?.destroy()]);
    for (const url of urls) await dropTestDatabase(url);
  });

  const both = async <T>(read: (db: Db) => Promise<T>) => [await read(bulk), await read(rowByRow)];

  it('writes the same products, stock, ledger lines and vocabulary', async () => {
    const reads: ((db: Db) => Promise<unknown>)[] = [
      (db) =>
        db.raw(`SELECT p.sku, p.name, p.description, p.category, p.price_cents, p.active, p.search_vector::text,
                       i.available_count, i.reserved_count, i.sold_count
                  FROM products p JOIN inventory i ON i.product_id = p.id ORDER BY p.sku`),
      (db) =>
        db.raw(`SELECT p.sku, m.kind, m.quantity, m.reason, m.actor
                  FROM stock_movements m JOIN products p ON p.id = m.product_id ORDER BY p.sku, m.id`),
      (db) => db.raw('SELECT word FROM search_words ORDER BY word'),
      (db) => db.raw('SELECT slug, product_count FROM categories ORDER BY slug'),
    ];
    for (const read of reads) {
      const [a, b] = await both(async (db) => ((await read(db)) as { rows: unknown[] }).rows);
      expect((a as unknown[]).length).to.be.above(0);
      expect(a).to.deep.equal(b);
    }
    expect((await bulk('products').count('* as n').first())?.n).to.equal(PRODUCTS);
  });

  it('leaves every index, foreign key and trigger as the migrations made them', async () => {
    const [indexes, otherIndexes] = await both(
      async (db) =>
        (await db.raw(`SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1`)).rows,
    );
    expect(indexes).to.deep.equal(otherIndexes);
    const [keys, otherKeys] = await both(
      async (db) =>
        (
          await db.raw(
            `SELECT conrelid::regclass::text AS t, conname, pg_get_constraintdef(oid) AS def, convalidated
             FROM pg_constraint WHERE contype = 'f' ORDER BY 1, 2`,
          )
        ).rows,
    );
    expect(keys).to.deep.equal(otherKeys);
    const [triggers] = await both(
      async (db) =>
        (await db.raw(`SELECT tgname, tgenabled FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1`)).rows,
    );
    expect(triggers).to.deep.include({ tgname: 'products_search_words', tgenabled: 'O' });
  });

  it('adds nothing on a second run', async function () {
    this.timeout(60_000);
    await seedDemoStore(bulk, { products: PRODUCTS, hashPassword, bulkMinProducts: 0 });
    expect((await bulk('products').count('* as n').first())?.n).to.equal(PRODUCTS);
    expect((await bulk('stock_movements').count('* as n').first())?.n).to.equal(
      (await rowByRow('stock_movements').count('* as n').first())?.n,
    );
  });
});
