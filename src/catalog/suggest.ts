import type { Db } from '../db/index.js';
import { suggestWords } from './words.js';

/**
 * Matches read before names are chosen among them: a broad prefix ("wi") costs what a narrow one
 * does, at any catalog size, and a popular name still shows up among the first matches.
 */
const CANDIDATES = 200;

/**
 * Search-as-you-type on PostgreSQL: names holding every typed word (the last as a prefix) in the
 * name's own weight of the GIN-indexed search vector, from the first CANDIDATES matches; the names
 * most of them share first, then the shortest.
 */
export async function suggestNames(db: Db, typed: string, limit: number): Promise<string[]> {
  const words = suggestWords(typed);
  if (!words) return [];
  const { rows } = await db.raw<{ rows: { name: string }[] }>(
    `SELECT name FROM (
       SELECT p.name FROM products p
        WHERE p.active AND p.search_vector @@ to_tsquery('english', :query)
        LIMIT :candidates) m
      GROUP BY name
      ORDER BY count(*) DESC, length(name), lower(name), name
      LIMIT :limit`,
    // Words are letters and digits only (searchTerms), so each is a safe tsquery lexeme.
    { query: words.map((w) => `${w}:*A`).join(' & '), candidates: CANDIDATES, limit },
  );
  return rows.map((r) => r.name);
}
