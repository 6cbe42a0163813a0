import { createHash } from 'node:crypto';
import type { ProductFilter, SortKey } from './schemas.js';

/**
 * Opaque keyset cursors: the last row's sort key and id, bound to the query they came from. A
 * cursor replayed against other filters or another sort is refused rather than misread.
 */
const VERSION = 1;

/** The parts of a query a cursor is bound to (not the page size: a client may change that). */
export const queryFingerprint = (filter: ProductFilter, sort: string) =>
  createHash('sha1')
    .update(
      JSON.stringify([
        filter.search ?? null,
        filter.category ?? null,
        filter.minPrice ?? null,
        filter.maxPrice ?? null,
        filter.inStock,
        sort,
      ]),
    )
    .digest('base64url')
    .slice(0, 12);

export function encodeCursor(fingerprint: string, after: SortKey): string {
  return Buffer.from(JSON.stringify([VERSION, fingerprint, after.key, after.id])).toString('base64url');
}

/** The position a cursor names, or the reason it cannot be used with this query. */
export function decodeCursor(cursor: string, fingerprint: string): SortKey | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return 'cursor is not one this service issued';
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 4 ||
    parsed[0] !== VERSION ||
    typeof parsed[2] !== 'string' ||
    parsed[2].length > 400 ||
    !Number.isSafeInteger(parsed[3]) ||
    parsed[3] < 1
  ) {
    return 'cursor is not one this service issued';
  }
  if (parsed[1] !== fingerprint) return 'cursor belongs to another search, filter or sort';
  return { key: parsed[2], id: parsed[3] };
}
