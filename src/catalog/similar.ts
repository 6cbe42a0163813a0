import type { Db } from '../db/index.js';

/** Candidates read per kind (sharing a name word; nearest in price above, below): bounded at any catalog size. */
const CANDIDATES = 200;
const PRICE_NEIGHBOURS = 20;

/**
 * Products like `productId` on PostgreSQL, for a product no order has paired with another yet:
 * active products of its category, those sharing the most of its name's words first (the name
 * weight of the search vector, through the GIN index), then the nearest in price (a ratio, so
 * €5 off a €10 product weighs what €50 off a €100 one does). The candidates are the category's
 * first CANDIDATES sharing a word and its PRICE_NEIGHBOURS nearest prices on either side, so a
 * category of 40,000 products costs what one of 40 does. An unknown or inactive product has none.
 */
export async function similarProducts(db: Db, productId: number, limit: number): Promise<number[]> {
  const { rows } = await db.raw<{ rows: { id: string }[] }>(
    `WITH p AS (
       SELECT id, category, price_cents,
              array(SELECT unnest(tsvector_to_array(to_tsvector('english', name)))) AS words
         FROM products WHERE id = :productId AND active
     ), q AS (
       -- Only plain words go into the query: a lexeme with punctuation would need tsquery quoting.
       SELECT p.*, nullif(array_to_string(array(SELECT quote_literal(w) || ':A' FROM unnest(p.words) w WHERE w ~ '^[[:alnum:]]+$'), ' | '), '')::tsquery AS query
         FROM p
     ), candidates AS (
       (SELECT c.id FROM q JOIN products c ON c.category = q.category AND c.active
         WHERE q.query IS NOT NULL AND c.search_vector @@ q.query LIMIT :candidates)
       UNION
       (SELECT c.id FROM q JOIN products c ON c.category = q.category AND c.active AND c.price_cents >= q.price_cents
         ORDER BY c.price_cents, c.id LIMIT :neighbours)
       UNION
       (SELECT c.id FROM q JOIN products c ON c.category = q.category AND c.active AND c.price_cents < q.price_cents
         ORDER BY c.price_cents DESC, c.id DESC LIMIT :neighbours)
     )
     SELECT c.id
       FROM q CROSS JOIN candidates k JOIN products c ON c.id = k.id
      WHERE c.id <> q.id
      ORDER BY (SELECT count(*) FROM unnest(tsvector_to_array(to_tsvector('english', c.name))) w
                 WHERE w = ANY(q.words)) DESC,
               abs(ln(greatest(c.price_cents, 1)::float8 / greatest(q.price_cents, 1))),
               c.id
      LIMIT :limit`,
    { productId, candidates: CANDIDATES, neighbours: PRICE_NEIGHBOURS, limit },
  );
  return rows.map((r) => Number(r.id));
}
