import type { Db, Trx } from '../db/index.js';
import { ageRule, keptRule, type RetentionRule } from '../db/retention.js';
import { PAID_STATUSES } from '../orders/index.js';

/** Recommendations kept per product. */
export const TOP_PER_PRODUCT = 10;

/** Orders that count as a purchase: paid, whatever happened to them since (a refund cancels them). */
const PURCHASED = `(${PAID_STATUSES.map((s) => `'${s}'`).join(', ')})`;

export interface BatchWindow {
  windowSeconds: number;
  minSupport: number;
}

export interface ServedGeneration {
  generation: number;
  built_at: Date;
}

/** A product's list as served: recommended ids, best first, with their scores. */
export interface ScoredId {
  id: number;
  score: number;
}

/**
 * Takes the batch's turn: the state row, locked until the batch commits. NOWAIT: a second rebuild
 * (the CLI while the daily job runs) is refused at once rather than computing the same result again.
 * The row is created if missing (a truncated store).
 */
export async function lockState(trx: Trx): Promise<ServedGeneration> {
  await trx.raw('INSERT INTO recommendation_state (id) VALUES (true) ON CONFLICT (id) DO NOTHING');
  const { rows } = await trx.raw<{ rows: { generation: string; built_at: Date }[] }>(
    'SELECT generation, built_at FROM recommendation_state WHERE id FOR UPDATE NOWAIT',
  );
  return { generation: Number(rows[0]!.generation), built_at: rows[0]!.built_at };
}

/**
 * The baskets of the window: one row per product per purchased order, in a temporary table the
 * next steps read twice (the pair join reads it on both sides). Analyzed, since the planner knows
 * nothing of a temporary table otherwise and would choose nested loops for millions of rows.
 */
export async function collectBaskets(trx: Trx, { windowSeconds }: BatchWindow): Promise<number> {
  await trx.raw(
    `CREATE TEMPORARY TABLE recommendation_baskets ON COMMIT DROP AS
     SELECT oi.order_id, oi.product_id
       FROM orders o JOIN order_items oi ON oi.order_id = o.id
      WHERE o.status IN ${PURCHASED}
        AND o.created_at >= now() - make_interval(secs => :windowSeconds)`,
    { windowSeconds },
  );
  await trx.raw('ANALYZE recommendation_baskets');
  const { rows } = await trx.raw<{ rows: { orders: number }[] }>(
    'SELECT count(DISTINCT order_id)::int AS orders FROM recommendation_baskets',
  );
  return rows[0]!.orders;
}

/** How many of the window's orders hold each product: the normalisation's denominators. */
export async function countProductOrders(trx: Trx): Promise<number> {
  await trx.raw(
    `CREATE TEMPORARY TABLE recommendation_counts ON COMMIT DROP AS
     SELECT product_id, count(*)::float8 AS orders FROM recommendation_baskets GROUP BY product_id`,
  );
  await trx.raw('ALTER TABLE recommendation_counts ADD PRIMARY KEY (product_id)');
  await trx.raw('ANALYZE recommendation_counts');
  const { rows } = await trx.raw<{ rows: { n: number }[] }>(
    'SELECT count(*)::int AS n FROM recommendation_counts',
  );
  return rows[0]!.n;
}

/**
 * Writes generation `generation`: for each product, the TOP_PER_PRODUCT active products bought in
 * the most orders with it relative to how often each is bought at all (cosine similarity of the
 * two products' order sets: co / √(n(a)·n(b))). Raw co-purchase counts would put the bestseller
 * first on every list; divided by its own large count, it ranks where it is really bought more
 * with this product than with any other. Pairs in fewer than `minSupport` orders are left out:
 * one shared basket scores 1.0 between two products bought once, and means nothing.
 * Each unordered pair is counted once (b > a) and written both ways.
 */
export async function writeGeneration(
  trx: Trx,
  generation: number,
  { minSupport }: BatchWindow,
): Promise<number> {
  const { rowCount } = await trx.raw<{ rowCount: number }>(
    `WITH pairs AS (
       SELECT a.product_id AS x, b.product_id AS y, count(*)::int AS co
         FROM recommendation_baskets a
         JOIN recommendation_baskets b ON b.order_id = a.order_id AND b.product_id > a.product_id
        GROUP BY 1, 2
       HAVING count(*) >= :minSupport
     ), directed AS (
       SELECT x AS product_id, y AS recommended_id, co FROM pairs
       UNION ALL
       SELECT y, x, co FROM pairs
     ), ranked AS (
       SELECT d.product_id, d.recommended_id, d.co,
              d.co / sqrt(cp.orders * cr.orders) AS score,
              row_number() OVER (
                PARTITION BY d.product_id
                ORDER BY d.co / sqrt(cp.orders * cr.orders) DESC, d.co DESC, d.recommended_id
              ) AS rank
         FROM directed d
         JOIN recommendation_counts cp ON cp.product_id = d.product_id
         JOIN recommendation_counts cr ON cr.product_id = d.recommended_id
         JOIN products p ON p.id = d.recommended_id AND p.active
     )
     INSERT INTO product_recommendations (generation, product_id, rank, recommended_id, score, co_purchases)
     SELECT :generation, product_id, rank, recommended_id, score, co FROM ranked WHERE rank <= :top`,
    { minSupport, generation, top: TOP_PER_PRODUCT },
  );
  return rowCount;
}

/**
 * Serves `generation` from now on (as the transaction commits) and deletes every other one: the
 * flip and the delete commit together, and readers pick rows by the state row's generation.
 */
export async function serveGeneration(trx: Trx, generation: number): Promise<Date> {
  const { rows } = await trx.raw<{ rows: { built_at: Date }[] }>(
    `UPDATE recommendation_state SET generation = :generation, built_at = now() WHERE id RETURNING built_at`,
    { generation },
  );
  await trx.raw('DELETE FROM product_recommendations WHERE generation <> :generation', { generation });
  return rows[0]!.built_at;
}

export async function recordBatch(trx: Trx, batch: Omit<BatchRecord, 'finished_at'>) {
  await trx('recommendation_batches').insert({ ...batch, finished_at: trx.fn.now() });
}

/** The generation served now (0, with no rows, before the first batch). */
export async function servedGeneration(db: Db): Promise<ServedGeneration> {
  const row = await db('recommendation_state')
    .where({ id: true })
    .first<{ generation: string; built_at: Date } | undefined>('generation', 'built_at');
  return row
    ? { generation: Number(row.generation), built_at: row.built_at }
    : { generation: 0, built_at: new Date(0) };
}

/**
 * Products' lists in the generation served, read in one statement with that generation: a batch
 * committing meanwhile cannot hand a reader one generation's number and another's rows.
 */
export async function listsOf(
  db: Db,
  productIds: number[],
): Promise<{ generation: number; lists: Map<number, ScoredId[]> }> {
  const { rows } = await db.raw<{
    rows: { generation: string; product_id: string | null; recommended_id: string | null; score: number }[];
  }>(
    `SELECT s.generation, r.product_id, r.recommended_id, r.score
       FROM recommendation_state s
       LEFT JOIN product_recommendations r
         ON r.generation = s.generation AND r.product_id = ANY(:ids::bigint[])
      WHERE s.id
      ORDER BY r.product_id, r.rank`,
    { ids: productIds },
  );
  const lists = new Map<number, ScoredId[]>(productIds.map((id) => [id, []]));
  for (const r of rows) {
    if (r.product_id === null) continue;
    lists.get(Number(r.product_id))!.push({ id: Number(r.recommended_id), score: r.score });
  }
  return { generation: rows.length ? Number(rows[0]!.generation) : 0, lists };
}

/** Which of `ids` are active products. */
export async function activeIds(db: Db, ids: number[]): Promise<Set<number>> {
  const rows = await db('products')
    .whereRaw('id = ANY(?::bigint[])', [ids])
    .andWhere('active', true)
    .select<{ id: string }[]>('id');
  return new Set(rows.map((r) => Number(r.id)));
}

export interface ShownRecommendation {
  rank: number;
  recommended_id: number;
  sku: string;
  name: string;
  score: number;
  co_purchases: number;
  active: boolean;
  available: number;
}

/** A product's list as the batch wrote it, with each product's state now (for shopctl). */
export async function describeList(db: Db, productId: number): Promise<ShownRecommendation[]> {
  const { rows } = await db.raw<{ rows: ShownRecommendation[] }>(
    `SELECT r.rank, r.recommended_id::int AS recommended_id, p.sku, p.name, r.score, r.co_purchases, p.active,
            coalesce(i.available_count, 0) AS available
       FROM recommendation_state s
       JOIN product_recommendations r ON r.generation = s.generation AND r.product_id = :productId
       JOIN products p ON p.id = r.recommended_id
       LEFT JOIN inventory i ON i.product_id = r.recommended_id
      WHERE s.id
      ORDER BY r.rank`,
    { productId },
  );
  return rows;
}

export interface BatchRecord {
  generation: number;
  started_at: Date;
  finished_at: Date;
  duration_ms: number;
  window_seconds: number;
  min_support: number;
  orders: number;
  products: number;
  recommendations: number;
}

/** The batch whose result is served now, or null before the first. */
export async function servedBatch(db: Db): Promise<BatchRecord | null> {
  const row = await db('recommendation_batches as b')
    .join('recommendation_state as s', 's.generation', 'b.generation')
    .first<BatchRecord | undefined>('b.*');
  return row ? { ...row, generation: Number(row.generation) } : null;
}

/**
 * Retention: each batch deletes the generation before it, so the lists stay one generation (plus
 * the one being written); the run log keeps a year, never the served batch's row.
 */
export const recommendationsRetention: RetentionRule[] = [
  keptRule('product_recommendations', 'the served generation only: each batch deletes the one before'),
  keptRule('recommendation_state', 'one row: the generation served'),
  ageRule(
    'recommendation_batches',
    'finished over a year ago, except the batch served now',
    "finished_at < now() - interval '1 year' AND NOT EXISTS (SELECT 1 FROM recommendation_state s WHERE s.generation = recommendation_batches.generation)",
  ),
];
