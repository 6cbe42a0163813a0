export { createSearchClient, type SearchClient } from './client.js';
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
  STOP_WORDS,
  SYNONYMS,
  toDocument,
  toRow,
  versionOf,
} from './mapping.js';
