import type { Db, Trx } from '../db/index.js';
import type { IndexedProductRow } from './mapping.js';

/** The channel the search-index consumer notifies when it has recorded products the index owes. */
export const SEARCH_INDEX_CHANNEL = 'search_index';

/** A build's heartbeat older than this is a reindex that died: the indexer stops writing to it. */
export const BUILD_STALE_SECONDS = 60;

/** A product as the index is written from it: its row, its stock, and the version it is owed at. */
export interface ProductToIndex {
  product_id: number;
  /** The document's external version (0: no product event taken yet, as for a product never changed). */
  version: number;
  /** Null when the product no longer exists: its document is deleted. */
  row: IndexedProductRow | null;
  available: number;
  /** When its oldest change not yet indexed happened (null for a reindex's read of the catalog). */
  changed_at: Date | null;
}

const PRODUCT_FIELDS = `p.id, p.sku, p.name, p.description, p.category, p.price_cents, p.currency, p.active,
                        p.created_at, coalesce(i.available_count, 0)::int AS available`;

interface ReadRow extends IndexedProductRow {
  product_id: number;
  version: number;
  available: number;
  exists: boolean;
  changed_at: Date | null;
}

const toIndex = ({
  product_id,
  version,
  available,
  exists,
  changed_at,
  ...row
}: ReadRow): ProductToIndex => ({
  product_id,
  version,
  row: exists ? row : null,
  available,
  changed_at,
});

/**
 * Records that the index owes these products a newer document: each one's version is bumped from
 * the sequence while its row is locked (so a product's versions grow in the order its events are
 * taken, whatever the event ids), and `changed_at` keeps the oldest change not yet indexed. Rows
 * are written in product order, so two consumers never deadlock. The indexer hears of it at commit.
 */
export async function recordOwed(trx: Trx, changes: Map<number, Date>) {
  if (changes.size === 0) return;
  const ids = [...changes.keys()].sort((a, b) => a - b);
  await trx.raw(
    `INSERT INTO search_index_state AS s (product_id, version, changed_at)
     SELECT c.product_id, nextval('search_index_version_seq'), c.changed_at
       FROM unnest(:ids::bigint[], :times::timestamptz[]) AS c(product_id, changed_at)
      ORDER BY c.product_id
     ON CONFLICT (product_id) DO UPDATE
        SET version = nextval('search_index_version_seq'),
            changed_at = CASE WHEN s.version > s.indexed_version THEN least(s.changed_at, excluded.changed_at)
                              ELSE excluded.changed_at END`,
    { ids, times: ids.map((id) => changes.get(id)!.toISOString()) },
  );
  await trx.raw('SELECT pg_notify(?, ?)', [SEARCH_INDEX_CHANNEL, '']);
}

/**
 * The products the index owes, oldest change first, each read with its version in one snapshot
 * (a document is never newer than its version says), and the indexes a reindex is filling, which
 * get every document too.
 */
export async function readOwed(
  trx: Db | Trx,
  limit: number,
): Promise<{ products: ProductToIndex[]; builds: string[] }> {
  const { rows } = await trx.raw<{ rows: (ReadRow & { builds: string[] })[] }>(
    `WITH owed AS (
       SELECT product_id, version, changed_at FROM search_index_state
        WHERE version > indexed_version ORDER BY changed_at LIMIT :limit
     ), builds AS (
       SELECT coalesce(array_agg(index_name ORDER BY index_name), '{}') AS builds FROM search_index_builds
        WHERE heartbeat_at > now() - make_interval(secs => :stale)
     )
     SELECT o.product_id, o.version, o.changed_at, p.id IS NOT NULL AS exists, ${PRODUCT_FIELDS}, b.builds
       FROM owed o
       LEFT JOIN products p ON p.id = o.product_id
       LEFT JOIN inventory i ON i.product_id = o.product_id
      CROSS JOIN builds b`,
    { limit, stale: BUILD_STALE_SECONDS },
  );
  return { products: rows.map(({ builds: _, ...r }) => toIndex(r)), builds: rows[0]?.builds ?? [] };
}

/**
 * Records the versions the index now holds. A product whose version moved on meanwhile (an event
 * taken while its document was on the way) stays owed. Rows are locked in product order first.
 */
export async function markIndexed(trx: Db | Trx, done: { product_id: number; version: number }[]) {
  if (done.length === 0) return;
  await trx.raw(
    `WITH done AS (
       SELECT * FROM unnest(:ids::bigint[], :versions::bigint[]) AS d(product_id, version)
     ), locked AS MATERIALIZED (
       SELECT s.product_id FROM search_index_state s JOIN done d USING (product_id)
        ORDER BY s.product_id FOR UPDATE OF s
     )
     UPDATE search_index_state s SET indexed_version = greatest(s.indexed_version, d.version)
       FROM done d
      WHERE s.product_id = d.product_id AND s.product_id IN (SELECT product_id FROM locked)`,
    { ids: done.map((d) => d.product_id), versions: done.map((d) => d.version) },
  );
}

/**
 * The products owed to the index, in id order after `afterId` (a reindex's catch-up: it writes
 * them to the new index; the indexer still clears them when it writes them to the alias).
 */
export async function readOwedPage(db: Db, afterId: number, limit: number): Promise<ProductToIndex[]> {
  const { rows } = await db.raw<{ rows: ReadRow[] }>(
    `SELECT s.product_id, s.version, s.changed_at, p.id IS NOT NULL AS exists, ${PRODUCT_FIELDS}
       FROM search_index_state s
       LEFT JOIN products p ON p.id = s.product_id
       LEFT JOIN inventory i ON i.product_id = s.product_id
      WHERE s.version > s.indexed_version AND s.product_id > :afterId
      ORDER BY s.product_id
      LIMIT :limit`,
    { afterId, limit },
  );
  return rows.map(toIndex);
}

/**
 * One page of the catalog for a reindex, in id order after `afterId` (a keyset: every page costs
 * what the first does), each product with its stock and its version as this page's snapshot has them.
 */
export async function readCatalogPage(db: Db, afterId: number, limit: number): Promise<ProductToIndex[]> {
  const { rows } = await db.raw<{ rows: ReadRow[] }>(
    `SELECT p.id AS product_id, coalesce(s.version, 0) AS version, NULL::timestamptz AS changed_at, true AS exists,
            ${PRODUCT_FIELDS}
       FROM products p
       LEFT JOIN inventory i ON i.product_id = p.id
       LEFT JOIN search_index_state s ON s.product_id = p.id
      WHERE p.id > :afterId
      ORDER BY p.id
      LIMIT :limit`,
    { afterId, limit },
  );
  return rows.map(toIndex);
}

/** How far the index trails PostgreSQL: products owed, and the age of the oldest change not in it. */
export interface IndexLag {
  owed: number;
  /** 0 when nothing is owed. */
  seconds: number;
  oldest: Date | null;
}

/**
 * The oldest change the index has not taken: a product owed to it, or a product event not yet
 * delivered to the search-index consumer (still waiting for the relay). Used by the metric too.
 */
export const INDEX_LAG_SQL = (types: readonly string[]) => `
  SELECT (SELECT count(*)::int FROM search_index_state WHERE version > indexed_version) AS owed,
         least((SELECT min(changed_at) FROM search_index_state WHERE version > indexed_version),
               (SELECT min(occurred_at) FROM domain_events
                 WHERE published_at IS NULL AND type IN (${types.map((t) => `'${t.replace(/'/g, "''")}'`).join(', ')}))
         ) AS oldest`;

export async function indexLag(db: Db, types: readonly string[]): Promise<IndexLag> {
  const { rows } = await db.raw<{ rows: { owed: number; oldest: Date | null }[] }>(INDEX_LAG_SQL(types));
  const { owed = 0, oldest = null } = rows[0] ?? {};
  return { owed, oldest, seconds: oldest ? Math.max(0, (Date.now() - oldest.getTime()) / 1000) : 0 };
}

/** Registers an index a reindex is about to fill: from now on the indexer writes to it as well. */
export const startBuild = (db: Db, indexName: string) =>
  db('search_index_builds').insert({ index_name: indexName });

/** Keeps a build's registration fresh (a reindex calls it as it goes). */
export const beatBuild = (db: Db, indexName: string) =>
  db('search_index_builds').where({ index_name: indexName }).update({ heartbeat_at: db.fn.now() });

export const endBuild = (db: Db, indexName: string) =>
  db('search_index_builds').where({ index_name: indexName }).delete();

/**
 * Builds whose reindex stopped beating: their indexes are abandoned. With `all`, every build (for
 * the holder of the reindex lock, which knows no other reindex runs).
 */
export async function staleBuilds(db: Db, { all = false }: { all?: boolean } = {}): Promise<string[]> {
  const rows = await db('search_index_builds')
    .modify((q) => {
      if (!all) q.whereRaw('heartbeat_at <= now() - make_interval(secs => ?)', [BUILD_STALE_SECONDS]);
    })
    .select<{ index_name: string }[]>('index_name');
  return rows.map((r) => r.index_name);
}

export async function activeBuilds(db: Db): Promise<{ index_name: string; started_at: Date }[]> {
  return db('search_index_builds')
    .whereRaw('heartbeat_at > now() - make_interval(secs => ?)', [BUILD_STALE_SECONDS])
    .select('index_name', 'started_at');
}

/** Products on sale: what the index should hold as active documents. */
export async function activeProductCount(db: Db): Promise<number> {
  const row = await db('products').where({ active: true }).count<{ n: number }[]>('* as n').first();
  return Number(row?.n ?? 0);
}

export async function productCount(db: Db): Promise<number> {
  const row = await db('products').count<{ n: number }[]>('* as n').first();
  return Number(row?.n ?? 0);
}
