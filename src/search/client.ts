import { Client } from '@opensearch-project/opensearch';

export type SearchClient = Client;

/**
 * The engine's client. No retries: a shopper's search that misses its deadline is answered from
 * PostgreSQL (fallback.ts), and a retry would only spend the same budget twice. The timeout is
 * per request; callers that need longer (reindex, bulk) pass their own `requestTimeout`.
 */
export function createSearchClient({ url, timeoutMs }: { url: string; timeoutMs: number }): SearchClient {
  return new Client({
    node: url,
    requestTimeout: timeoutMs,
    maxRetries: 0,
    // A dead node must not be marked dead and skipped: there is one, and the breaker decides.
    resurrectStrategy: 'none',
  });
}
