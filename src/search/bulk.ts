import type { SearchClient } from './client.js';
import { docId, toDocument } from './mapping.js';
import type { ProductToIndex } from './queries.js';

/** Where a bulk request writes: the alias (which must exist) or a concrete index a reindex fills. */
export interface BulkTarget {
  index: string;
  alias: boolean;
}

/**
 * What became of a product's document:
 * - applied: written (or deleted);
 * - stale: the index already holds this version or a newer one (a replay, or a newer write won);
 * - rejected: the engine refused the document itself (a mapping error): retrying cannot help;
 * - retry: the engine could not take it now (unreachable, overloaded, the index missing).
 */
export type DocumentOutcome = 'applied' | 'stale' | 'rejected' | 'retry';

const RANK: Record<DocumentOutcome, number> = { applied: 0, stale: 0, rejected: 1, retry: 2 };

interface ItemResult {
  status: number;
  error?: { type: string; reason?: string | null };
}

function outcomeOf(item: ItemResult): DocumentOutcome {
  if (!item.error) return 'applied';
  if (item.status === 409) return 'stale';
  if (item.status === 429 || item.status >= 500 || item.error.type === 'index_not_found_exception') {
    return 'retry';
  }
  return 'rejected';
}

export interface BulkResult {
  /** Per product, the worst outcome over the targets. */
  outcomes: Map<ProductToIndex, DocumentOutcome>;
  /** One reason per rejected product, for the log. */
  reasons: Map<ProductToIndex, string>;
}

/**
 * Writes each product's document (its row and stock, read from PostgreSQL) to every target in ONE
 * bulk request, with the product's version as an external version: the engine keeps a document
 * only if its version is higher than the one it holds, so an older write arriving late (a slow
 * indexer, a reindex's page read before a change) never overwrites a newer one, and a replay is a
 * no-op. A product that no longer exists has its document deleted, versioned the same way.
 * Throws when the request itself fails (engine unreachable, timed out).
 */
export async function writeDocuments(
  client: SearchClient,
  targets: BulkTarget[],
  products: ProductToIndex[],
  { timeoutMs }: { timeoutMs: number },
): Promise<BulkResult> {
  const outcomes = new Map<ProductToIndex, DocumentOutcome>();
  const reasons = new Map<ProductToIndex, string>();
  if (products.length === 0 || targets.length === 0) return { outcomes, reasons };
  const body: object[] = [];
  const order: ProductToIndex[] = [];
  for (const product of products) {
    for (const target of targets) {
      const meta = {
        _index: target.index,
        _id: docId(product.product_id),
        version: product.version,
        version_type: 'external' as const,
        // Never let a write to a missing alias create an index by that name with guessed mappings.
        ...(target.alias ? { require_alias: true } : {}),
      };
      if (product.row) body.push({ index: meta }, toDocument(product.row, product.available));
      else body.push({ delete: meta });
      order.push(product);
    }
  }
  // Only what is read back: a full answer echoes index, id, version and shards for every document.
  const { body: response } = await client.bulk(
    { body, filter_path: 'errors,items.*.status,items.*.error.type,items.*.error.reason' },
    { requestTimeout: timeoutMs },
  );
  response.items.forEach((item, n) => {
    const product = order[n]!;
    const result = (item.index ?? item.delete ?? Object.values(item)[0]) as ItemResult;
    const outcome = outcomeOf(result);
    const before = outcomes.get(product);
    if (!before || RANK[outcome] > RANK[before]) outcomes.set(product, outcome);
    if (outcome === 'rejected') reasons.set(product, `${result.error?.type}: ${result.error?.reason ?? ''}`);
  });
  return { outcomes, reasons };
}
