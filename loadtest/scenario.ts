import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { seedDemoStore } from '../seeds/demo-store.js';
import { createProducts } from '../src/catalog/index.js';
import {
  createDb,
  type Db,
  ensureDatabase,
  migrateLatest,
  quoteIdent,
  withDatabase,
  withMaintenance,
} from '../src/db/index.js';
import { createCache } from '../src/shared/cache.js';
import { createLogger } from '../src/shared/logger.js';
import { hashPassword, hashToken } from '../src/users/index.js';

export interface Buyer {
  token: string;
  cartId: string;
}

/** A brand-new database for one run: nothing left from earlier runs can skew the figures. */
export async function freshDatabase(baseUrl: string, name: string): Promise<{ url: string; db: Db }> {
  await withMaintenance(baseUrl, async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
  });
  const url = withDatabase(baseUrl, name);
  await ensureDatabase(url);
  const db = createDb(url, 4);
  await migrateLatest(db);
  return { url, db };
}

/** The store's server settings (deploy/postgres/shop.conf): `name = value` lines, comments dropped. */
export function storeServerSettings(): Record<string, string> {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const text = readFileSync(path.join(root, 'deploy/postgres/shop.conf'), 'utf8');
  const settings: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([a-z_]+)\s*=\s*'?([^'#]*?)'?\s*(#.*)?$/.exec(line);
    if (m) settings[m[1]!] = m[2]!;
  }
  return settings;
}

/**
 * A setting of the store's that the server did not have: changed for the run and put back after,
 * or, one that takes a restart (shared_buffers), left as it was and reported (`restart`), so that
 * the figures say what they ran with.
 */
export interface ChangedSetting {
  name: string;
  was: string;
  ran: string;
  /** Takes a server restart: the run kept `was`; the store's value is `wanted`. */
  restart?: { wanted: string };
}

/** How a bench's report names the server it ran on. */
export function describeServerSettings(changed: ChangedSetting[]): string {
  if (changed.length === 0) return 'as configured';
  const set = changed.filter((c) => !c.restart);
  const kept = changed.filter((c) => c.restart);
  return [
    set.length ? `set for the run: ${set.map((c) => `${c.name} ${c.was} → ${c.ran}`).join(', ')}` : null,
    kept.length
      ? `NOT the store's (a restart): ${kept.map((c) => `${c.name} ${c.was}, the store's ${c.restart!.wanted}`).join(', ')}`
      : null,
  ]
    .filter(Boolean)
    .join('; ');
}

/**
 * Runs `fn` on a server configured as the store's deployment configures it (deploy/postgres/
 * shop.conf): autovacuum on, as every production PostgreSQL runs, shared buffers that hold a
 * sale's working set, and checkpoints sized for millions of orders. A run that lasts many minutes
 * and writes (or deletes) millions of rows is measured with the vacuuming and checkpoints that
 * come with them, whose I/O is part of its cost. A server started otherwise (a CI box's
 * configuration) has the settings changed for the run (ALTER SYSTEM, reload) and put back after,
 * also on Ctrl-C; a setting that takes a restart is not changed (a bench does not restart a
 * server), but warned of and answered with `restart`. Answers what differed.
 */
export async function withStoreServerSettings<T>(
  baseUrl: string,
  fn: () => Promise<T>,
): Promise<{ result: T; changed: ChangedSetting[] }> {
  const wanted = storeServerSettings();
  const show = (name: string) =>
    withMaintenance(baseUrl, async (c) => {
      const { rows } = await c.query<{ v: string; context: string }>(
        'SELECT current_setting($1) AS v, (SELECT context FROM pg_settings WHERE name = $1) AS context',
        [name],
      );
      return rows[0]!;
    });
  const differ: ChangedSetting[] = [];
  for (const [name, ran] of Object.entries(wanted)) {
    const { v: was, context } = await show(name);
    if (was === ran) continue;
    if (context === 'postmaster') {
      differ.push({ name, was, ran: was, restart: { wanted: ran } });
      process.stderr.write(
        `warning: the server's ${name} is ${was}, the store's ${ran} (deploy/postgres/shop.conf); it takes a restart, so this run keeps ${was} and its figures say so\n`,
      );
    } else differ.push({ name, was, ran });
  }
  const changed = differ.filter((c) => !c.restart);
  if (changed.length === 0) return { result: await fn(), changed: differ };
  await withMaintenance(baseUrl, async (c) => {
    for (const { name, ran } of changed) await c.query(`ALTER SYSTEM SET ${quoteIdent(name)} = '${ran}'`);
    await c.query('SELECT pg_reload_conf()');
  });
  const restore = () =>
    withMaintenance(baseUrl, async (c) => {
      for (const { name } of changed) await c.query(`ALTER SYSTEM RESET ${quoteIdent(name)}`);
      await c.query('SELECT pg_reload_conf()');
    });
  // Interrupted (Ctrl-C), the server is still put back as it was; a second signal (npm and tsx
  // pass Ctrl-C on too) waits for the same restore instead of ending the process halfway.
  let restoring = false;
  const interrupted = (signal: NodeJS.Signals) => {
    if (restoring) return;
    restoring = true;
    void restore().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.on('SIGINT', interrupted).on('SIGTERM', interrupted);
  try {
    for (let i = 0; ; i++) {
      const pending = [];
      for (const { name, ran } of changed) if ((await show(name)).v !== ran) pending.push(name);
      if (pending.length === 0) break;
      if (i === 50)
        throw new Error(`${pending.join(', ')} did not take effect after ALTER SYSTEM and a reload`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return { result: await fn(), changed: differ };
  } finally {
    process.off('SIGINT', interrupted).off('SIGTERM', interrupted);
    await restore();
  }
}

/** Deletes a run's Redis keys (every run uses a prefix of its own), so runs do not pile up keys. */
export async function dropRedisPrefix(redisUrl: string, prefix: string) {
  const cache = createCache({
    url: redisUrl,
    prefix,
    commandTimeoutMs: 1_000,
    logger: createLogger('silent'),
  });
  await cache.whenReady(2_000);
  await cache.delPattern('*');
  await cache.close();
}

/**
 * What a seeded template was built from: the migrations, the seed, its SQL and the catalog generator. A
 * template whose fingerprint differs (a migration edited in place, say) is rebuilt, not reused.
 */
function catalogFingerprint(products: number): string {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const files = [
    ...readdirSync(path.join(root, 'migrations'))
      .sort()
      .map((f) => path.join(root, 'migrations', f)),
    path.join(root, 'seeds/demo-store.ts'),
    path.join(root, 'src/demo/catalog.ts'),
    // The SQL the seed runs.
    path.join(root, 'src/catalog/create-products.ts'),
    path.join(root, 'src/inventory/initial-stock.ts'),
    path.join(root, 'src/db/pieces.ts'),
  ];
  const hash = createHash('sha1').update(String(products));
  for (const file of files) hash.update(readFileSync(file));
  return `shop loadtest catalog ${hash.digest('hex')}`;
}

/**
 * A fresh database holding the deterministic demo catalog (browse, cart, mixed and plans runs),
 * copied from a seeded template kept between runs: a million products are seeded once, not per
 * run. The template carries the fingerprint of what built it (as its comment) and is rebuilt
 * when that no longer matches the code's.
 */
export async function seededDatabase(baseUrl: string, name: string, products: number) {
  const template = `shop_loadtest_catalog_${products}`;
  const fingerprint = catalogFingerprint(products);
  const usable = await withMaintenance(baseUrl, async (client) => {
    const { rows } = await client.query<{ comment: string | null }>(
      `SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = $1`,
      [template],
    );
    return rows[0]?.comment === fingerprint;
  });
  if (!usable) {
    const fresh = await freshDatabase(baseUrl, template);
    await seedDemoStore(fresh.db, { products, hashPassword });
    await fresh.db.destroy();
    await withMaintenance(baseUrl, (client) =>
      client.query(`COMMENT ON DATABASE ${quoteIdent(template)} IS ${quoteLiteral(fingerprint)}`),
    );
  }
  await withMaintenance(baseUrl, async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(template)}`);
  });
  const url = withDatabase(baseUrl, name);
  return { url, db: createDb(url, 4) };
}

const quoteLiteral = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** One SKU with `stock` units received through the ledger, as the seed does. */
export async function createHotSku(db: Db, stock: number, sku = 'HOT-1', priceCents = 4_999) {
  await db('categories').insert({ slug: 'flash-sale', name: 'Flash sale' }).onConflict('slug').ignore();
  const [product] = await createProducts(
    db,
    [
      {
        sku,
        name: 'Limited Edition Wireless Headphones',
        category: 'flash-sale',
        price_cents: priceCents,
        stock,
      },
    ],
    { actor: 'loadtest', reason: 'flash sale' },
  );
  return product!.id;
}

/**
 * N buyers, each with an API token and a one-line cart holding the hot SKU, written set-based in
 * chunks (20k buyers take about a second). Tokens are minted here; only their hashes are stored.
 */
export async function createBuyers(
  db: Db,
  productId: number,
  count: number,
  emailPrefix = 'buyer',
  /** Units in each buyer's cart: one number, or one per buyer (by index). */
  quantity: number | ((i: number) => number) = 1,
): Promise<Buyer[]> {
  const buyers: Buyer[] = [];
  for (let start = 0; start < count; start += 5_000) {
    const n = Math.min(5_000, count - start);
    const tokens = Array.from({ length: n }, () => `shp_${randomBytes(18).toString('base64url')}`);
    const { rows } = await db.raw<{ rows: { cart_id: string }[] }>(
      `WITH input AS (
         SELECT * FROM unnest(?::text[], ?::text[]) WITH ORDINALITY AS t(email, token_hash, n)
       ), users AS (
         INSERT INTO users (email, role) SELECT email, 'customer' FROM input ORDER BY n RETURNING id, email
       ), tokens AS (
         INSERT INTO api_tokens (user_id, token_hash, name)
         SELECT users.id, input.token_hash, 'loadtest' FROM users JOIN input USING (email)
       ), carts AS (
         INSERT INTO carts (user_id) SELECT id FROM users RETURNING id, user_id
       ), items AS (
         INSERT INTO cart_items (cart_id, product_id, quantity, price_cents_at_add)
         SELECT carts.id, ?, q.quantity, (SELECT price_cents FROM products WHERE id = ?)
           FROM carts JOIN users ON users.id = carts.user_id JOIN input USING (email)
           JOIN unnest(?::int[]) WITH ORDINALITY AS q(quantity, n) ON q.n = input.n
       )
       SELECT carts.id AS cart_id FROM carts JOIN users ON users.id = carts.user_id JOIN input USING (email) ORDER BY input.n`,
      [
        tokens.map((_, i) => `${emailPrefix}${start + i}@loadtest.local`),
        tokens.map(hashToken),
        productId,
        productId,
        tokens.map((_, i) => (typeof quantity === 'number' ? quantity : quantity(start + i))),
      ],
    );
    rows.forEach((r, i) => {
      buyers.push({ token: tokens[i]!, cartId: r.cart_id });
    });
  }
  return buyers;
}
