import { setImmediate as nextMacrotask } from 'node:timers/promises';
import type { Knex } from 'knex';
import { createProducts, type NewProduct } from '../src/catalog/index.js';
import { DEMO_CATEGORIES, generateProducts } from '../src/demo/index.js';

export const DEMO_PASSWORD = 'shop-demo-password';
export const DEMO_USERS = [
  { email: 'admin@shop.test', name: 'Ada Admin', role: 'admin' },
  { email: 'alice@shop.test', name: 'Alice Shopper', role: 'customer' },
  { email: 'bob@shop.test', name: 'Bob Shopper', role: 'customer' },
  { email: 'carol@shop.test', name: 'Carol Shopper', role: 'customer' },
] as const;

/** What a bulk load does after its rows are in (onProgress has reached 100% by then). */
export type SeedPhase = 'indexes' | 'vacuum';

export interface SeedOptions {
  products?: number;
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
  /** Called as a bulk load starts each step that follows its rows; the row-by-row path never calls it. */
  onPhase?: (phase: SeedPhase) => void;
  /**
   * The smallest catalog that is bulk-loaded when the products table is empty (BULK_MIN_PRODUCTS);
   * Infinity keeps to the row-by-row path, 0 bulk-loads any catalog into an empty table.
   */
  bulkMinProducts?: number;
  /** Hashes demo passwords; injected so this file stays free of service wiring. */
  hashPassword: (password: string) => Promise<string>;
}

/**
 * Below this, maintaining every index and the search_words trigger row by row is quick enough, and
 * the load does not lock the catalog's tables (the demo's 10k, the tests' 2k).
 */
export const BULK_MIN_PRODUCTS = 50_000;
/** Sort memory for the bulk load's index builds and for the joins that check its foreign keys. */
const BULK_WORK_MEM = '512MB';

/** The tables a seed fills row by row; a bulk load moves their indexes and foreign keys out of the way. */
const LOADED_TABLES = ['products', 'inventory', 'stock_movements'];

/**
 * What a bulk load drops and re-creates, with definitions as the database has them (so they never
 * drift from the migrations): the loaded tables' secondary indexes, and their foreign keys (checked
 * row by row they were 40% of the load; re-adding one checks every row in one join). Unique indexes
 * stay: the primary keys and the one on sku that ON CONFLICT (sku) needs; so does any index behind
 * a constraint. regclass and quote_ident give the names quoted.
 */
const DROPPABLE_SCHEMA = `
  SELECT 'index' AS kind, i.indrelid::regclass::text AS "table", i.indexrelid::regclass::text AS name,
         pg_get_indexdef(i.indexrelid) AS definition
    FROM pg_index i
   WHERE i.indrelid = ANY (?::regclass[])
     AND NOT i.indisunique
     AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
  UNION ALL
  SELECT 'foreign key', c.conrelid::regclass::text, quote_ident(c.conname), pg_get_constraintdef(c.oid)
    FROM pg_constraint c
   WHERE c.conrelid = ANY (?::regclass[]) AND c.contype = 'f'
   ORDER BY 1, 2, 3`;

/**
 * The words the products_search_words trigger would have added for the loaded products, with its
 * expression, applied to the distinct space-separated pieces of their texts (collected while
 * loading, see addPieces) instead of to a million texts: 12 s less at 1M products. The words are the
 * same: the trigger's text is name || ' ' || description || ' ' || category, and a space is never
 * alphanumeric, so no word spans two pieces.
 */
const FILL_SEARCH_WORDS = `
  INSERT INTO search_words (word)
  SELECT DISTINCT w FROM unnest(?::text[]) AS piece, regexp_split_to_table(lower(piece), '[^[:alnum:]]+') AS w
   WHERE length(w) BETWEEN 2 AND 40
  ON CONFLICT DO NOTHING`;

interface SchemaObject {
  kind: 'index' | 'foreign key';
  table: string;
  name: string;
  definition: string;
}

interface LoadOptions {
  total: number;
  batchSize: number;
  onProgress: SeedOptions['onProgress'];
  /** When given, collects the space-separated pieces of every product's texts. */
  pieces?: Set<string>;
}

export async function seedDemoStore(knex: Knex, options: SeedOptions) {
  const load: LoadOptions = {
    total: options.products ?? 10_000,
    batchSize: options.batchSize ?? 5_000,
    onProgress: options.onProgress,
  };

  await knex('categories')
    .insert(DEMO_CATEGORIES.map(({ slug, name }) => ({ slug, name })))
    .onConflict('slug')
    .ignore();

  const bulk = await tryBulkLoad(knex, load, options);
  if (!bulk) await insertProducts(knex, load);

  const passwordHash = await options.hashPassword(DEMO_PASSWORD);
  await knex('users')
    .insert(DEMO_USERS.map((u) => ({ ...u, password_hash: passwordHash })))
    .onConflict(knex.raw('(lower(email))'))
    .ignore();
  if (bulk) {
    options.onPhase?.('vacuum');
    // Every page is new: VACUUM sets the visibility map, without which index-only scans visit the
    // heap for each row. It cannot run inside the load's transaction.
    await knex.raw('VACUUM (ANALYZE) products, inventory');
    await knex.raw('ANALYZE stock_movements, search_words');
  } else {
    await knex.raw('ANALYZE products, inventory');
  }
  return { products: load.total, users: DEMO_USERS.length };
}

/** Bulk-loads (bulkLoad) a large catalog into an empty products table; false if it did not. */
async function tryBulkLoad(knex: Knex, load: LoadOptions, options: SeedOptions): Promise<boolean> {
  if (load.total < (options.bulkMinProducts ?? BULK_MIN_PRODUCTS)) return false;
  // Checked before bulkLoad's lock as well as under it, so that adding to a catalog in use never
  // waits for (or blocks) its readers.
  if (!(await productsTableIsEmpty(knex))) return false;
  return knex.transaction((trx) => bulkLoad(trx, load, options.onPhase));
}

async function productsTableIsEmpty(db: Knex): Promise<boolean> {
  const { rows } = await db.raw<{ rows: { empty: boolean }[] }>(
    'SELECT NOT EXISTS (SELECT 1 FROM products) AS empty',
  );
  return rows[0]?.empty === true;
}

/**
 * Loads a catalog into the empty products table with its secondary indexes, foreign keys and
 * per-row search_words trigger out of the way, then builds each index once, checks each foreign
 * key once and adds the vocabulary in one statement: row by row, those are most of the time.
 * One transaction (DDL is transactional in PostgreSQL), so a failure leaves the schema as it was,
 * never a catalog without its indexes; the catalog's readers wait for it to commit. Returns false,
 * having changed nothing, if products was written to since the caller found it empty.
 */
async function bulkLoad(trx: Knex.Transaction, load: LoadOptions, onPhase: SeedOptions['onPhase']) {
  // Taken first so that the table stays empty until our rows, and the schema read below cannot
  // change before it is dropped.
  await trx.raw(`LOCK TABLE ${LOADED_TABLES.join(', ')} IN ACCESS EXCLUSIVE MODE`);
  if (!(await productsTableIsEmpty(trx))) return false;
  const { rows: dropped } = await trx.raw<{ rows: SchemaObject[] }>(DROPPABLE_SCHEMA, [
    LOADED_TABLES,
    LOADED_TABLES,
  ]);
  for (const o of dropped) {
    await trx.raw(
      o.kind === 'index' ? `DROP INDEX ${o.name}` : `ALTER TABLE ${o.table} DROP CONSTRAINT ${o.name}`,
    );
  }
  await trx.raw('ALTER TABLE products DISABLE TRIGGER products_search_words');

  // The table was empty, so it ends up holding exactly the generated products: their texts are its texts.
  const pieces = new Set<string>();
  await insertProducts(trx, { ...load, pieces });

  onPhase?.('indexes');
  await restoreSchema(trx, dropped);
  await trx.raw(FILL_SEARCH_WORDS, [[...pieces]]);
  await trx.raw('ALTER TABLE products ENABLE TRIGGER products_search_words');
  return true;
}

async function restoreSchema(trx: Knex.Transaction, dropped: SchemaObject[]) {
  await trx.raw(`SET LOCAL maintenance_work_mem = '${BULK_WORK_MEM}'`);
  await trx.raw(`SET LOCAL work_mem = '${BULK_WORK_MEM}'`);
  for (const o of dropped) {
    const sql =
      o.kind === 'index' ? o.definition : `ALTER TABLE ${o.table} ADD CONSTRAINT ${o.name} ${o.definition}`;
    // knex reads every '?' in raw SQL as a binding; a definition may hold one (jsonb's ? operator).
    await trx.raw(sql.replaceAll('?', '\\?'));
  }
}

/**
 * Inserts products 0..total-1, batchSize at a time. The next batch is generated while the
 * database runs the current statement, so Node and PostgreSQL work at once (still one statement
 * at a time: in a transaction they share a connection). Generating waits for the next macrotask,
 * by when the statement has been written to the socket; the synchronous generator, started at
 * once, would hold the statement back until it finished.
 */
async function insertProducts(db: Knex, load: LoadOptions) {
  const { total, batchSize } = load;
  // Product i was created i minutes before the seed ran: browse's "newest" has an order to show.
  const seededAt = Date.now();
  let batch = newProducts(0, Math.min(batchSize, total), seededAt, load.pieces);
  for (let start = 0; start < total; start += batchSize) {
    const end = Math.min(start + batchSize, total);
    const generateNext = async () => {
      await nextMacrotask();
      return newProducts(end, Math.min(batchSize, total - end), seededAt, load.pieces);
    };
    // One statement per batch (products, inventory rows, 'received' lines), so invariant 2
    // (counts == ledger) holds from the first row; a re-run skips the SKUs already there.
    [, batch] = await Promise.all([
      createProducts(db, batch, { actor: 'seed', reason: 'initial stock', skipExisting: true }),
      generateNext(),
    ]);
    load.onProgress?.(end, total);
  }
}

/** Products start..start+count-1. */
function newProducts(start: number, count: number, seededAt: number, pieces?: Set<string>): NewProduct[] {
  const batch = generateProducts(start, count);
  if (pieces) for (const p of batch) addPieces(pieces, p.name, p.description, p.category);
  return batch.map((p, i) => ({ ...p, created_at: new Date(seededAt - (start + i) * 60_000).toISOString() }));
}

/** Adds the space-separated pieces of texts to pieces (a few thousand distinct ones for 1M products). */
function addPieces(pieces: Set<string>, ...texts: string[]) {
  for (const text of texts) for (const piece of text.split(' ')) pieces.add(piece);
}

/** Entry point for `knex seed:run`. */
export async function seed(knex: Knex): Promise<void> {
  const { hashPassword } = await import('../src/users/index.js');
  await seedDemoStore(knex, { hashPassword });
}
