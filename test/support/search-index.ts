import { PRODUCT_COLUMNS } from '../../src/catalog/search.js';
import type { Container } from '../../src/container.js';
import {
  aliasName,
  createSearchClient,
  docId,
  type IndexedProductRow,
  indexDefinition,
  newIndexName,
  type SearchClient,
  toDocument,
} from '../../src/search/index.js';

let prefixes = 0;

/** An index prefix of this test run's own: suites sharing one engine never see each other's products. */
export const testIndexPrefix = () => `test-${process.pid}-${++prefixes}-`;

/** A client of its own (not the container's, whose deadline is a shopper's): loading takes longer. */
export const adminClient = (url: string): SearchClient => createSearchClient({ url, timeoutMs: 30_000 });

/** Every product's document as PostgreSQL has it now, visible to search on return. */
async function indexProducts(container: Container, client: SearchClient, prefix: string) {
  const rows: (IndexedProductRow & { available: number })[] = await container
    .db('products as p')
    .join('inventory as i', 'i.product_id', 'p.id')
    .select(...PRODUCT_COLUMNS, 'p.active');
  const alias = aliasName(prefix);
  const body = rows.flatMap((row) => [
    { index: { _index: alias, _id: docId(row.id) } },
    toDocument(row, row.available),
  ]);
  if (body.length === 0) return;
  const { body: answer } = await client.bulk({ body, refresh: true });
  if (answer.errors) throw new Error(`bulk indexing failed: ${JSON.stringify(answer.items.slice(0, 3))}`);
}

/**
 * A new index of the mapping in code behind the prefix's alias, holding every product: a store's
 * first index, as a reindex would build it (the sync then keeps it).
 */
export async function buildIndex(container: Container, client: SearchClient, prefix: string) {
  const index = newIndexName(prefix);
  await client.indices.create({
    index,
    body: { ...indexDefinition(), aliases: { [aliasName(prefix)]: {} } } as never,
  });
  await indexProducts(container, client, prefix);
  return index;
}

/** Drops every index of the prefix (and with them its alias). */
export async function dropIndexes(client: SearchClient, prefix: string) {
  await client.indices.delete({ index: `${prefix}products-v*` }).catch(() => {});
}
