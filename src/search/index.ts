export { createOpenSearchBackend } from './backend.js';
export { createSearchClient, type SearchClient } from './client.js';
export {
  type Breaker,
  type BreakerState,
  createBreaker,
  createSearchFallback,
  type FallbackReason,
} from './fallback.js';
export {
  createSearchIndexer,
  DEFAULT_INDEXER_OPTIONS,
  INDEXED_EVENT_TYPES,
  type IndexerOptions,
  type SearchIndexer,
  searchIndexHandler,
} from './indexer.js';
export {
  aliasName,
  docId,
  INDEX_VERSION,
  type IndexedProductRow,
  indexDefinition,
  indexMappings,
  indexPattern,
  indexSettings,
  newIndexName,
  type ProductDocument,
  SYNONYMS,
  toDocument,
  toRow,
  versionOf,
} from './mapping.js';
export { indexLag } from './queries.js';
export {
  DEFAULT_REINDEX_OPTIONS,
  ensureIndex,
  ReindexBusyError,
  type ReindexOptions,
  type ReindexPhase,
  type ReindexResult,
  reindex,
} from './reindex.js';
export { createSearch, type Search } from './service.js';
export { type SearchStatus, searchStatus } from './status.js';
