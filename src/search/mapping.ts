import type { ProductRow } from '../catalog/index.js';
import { STOP_WORDS } from '../catalog/index.js';

/**
 * The products index as code. Bump INDEX_VERSION whenever the settings or mappings below change
 * in a way an existing index cannot take (analyzers, field types): `shopctl search reindex` then
 * builds a `-v<N>-` index beside the old one and swaps the alias, so search answers throughout.
 */
export const INDEX_VERSION = 1;

/** Shoppers' queries always go through the alias; only reindex names a concrete index. */
export const aliasName = (prefix: string) => `${prefix}products`;

/** Every concrete index of this prefix, whatever its version: what the alias may point at. */
export const indexPattern = (prefix: string) => `${prefix}products-v*`;

/**
 * A new concrete index: `${prefix}products-v1-20260101t120000000`. The timestamp lets two builds
 * of one version live side by side during a reindex; index names must be lower case.
 */
export function newIndexName(prefix: string, at: Date = new Date()): string {
  const stamp = at.toISOString().replace(/[-:.]/g, '').replace('Z', '').toLowerCase();
  return `${prefix}products-v${INDEX_VERSION}-${stamp}`;
}

/** The version an index was built from, read off its name; null for a name this code did not make. */
export function versionOf(indexName: string): number | null {
  const match = /-v(\d+)-\d{8}t\d{9}$/.exec(indexName);
  return match ? Number(match[1]) : null;
}

/** A product's document id is its product id: writes are idempotent and a delete needs nothing else. */
export const docId = (productId: number) => String(productId);

/**
 * Words shoppers use for the same thing. Applied at search time only (synonym_graph cannot run
 * at index time), so changing the list needs no reindex — only a new INDEX_VERSION when it ships
 * with other changes, since the list lives in the index settings. Single words: a phrase synonym
 * would not combine with fuzzy matching.
 */
export const SYNONYMS = [
  'tv, television',
  'headphones, earphones, earbuds',
  'laptop, notebook',
  'sofa, couch',
  'phone, smartphone, mobile, cellphone',
  'speaker, loudspeaker',
  'fridge, refrigerator',
  'sneakers, trainers',
  'bike, bicycle',
  'rug, carpet',
  'stroller, pushchair, pram',
  'duvet, comforter',
  'pan, skillet',
  'mug, cup',
  'hoodie, sweatshirt',
  'vacuum, hoover',
  'flashlight, torch',
  'drone, quadcopter',
] as const;

/** Edge n-grams of a name's words, for "headph" → Headphones; longer prefixes than this match as words. */
export const PREFIX_GRAMS = { min: 2, max: 15 } as const;

/** Index and search share every step but the synonyms, so a stem on either side meets the other. */
const englishText = (...beforeStemming: string[]) => ({
  type: 'custom',
  tokenizer: 'standard',
  filter: [
    'lowercase',
    'asciifolding',
    'shop_english_possessive',
    'shop_english_stop',
    ...beforeStemming,
    'shop_english_stemmer',
  ],
});

export const indexSettings = {
  number_of_shards: 1,
  number_of_replicas: 0,
  // A product change reaches search within about a second: the sync's budget is lag, not refresh.
  refresh_interval: '1s',
  analysis: {
    filter: {
      shop_english_stop: { type: 'stop', stopwords: [...STOP_WORDS] },
      // Porter2, the snowball stemmer PostgreSQL's english configuration uses.
      shop_english_stemmer: { type: 'stemmer', language: 'porter2' },
      shop_english_possessive: { type: 'stemmer', language: 'possessive_english' },
      shop_synonyms: { type: 'synonym_graph', synonyms: [...SYNONYMS] },
      shop_prefix_grams: { type: 'edge_ngram', min_gram: PREFIX_GRAMS.min, max_gram: PREFIX_GRAMS.max },
    },
    normalizer: {
      shop_lowercase: { type: 'custom', filter: ['lowercase', 'asciifolding'] },
    },
    analyzer: {
      shop_text: englishText(),
      shop_text_search: englishText('shop_synonyms'),
      // Each word's leading 2-15 letters at index time; the typed prefix is matched as it is.
      shop_prefix: {
        type: 'custom',
        tokenizer: 'standard',
        filter: ['lowercase', 'asciifolding', 'shop_prefix_grams'],
      },
      // Words as typed, unstemmed: the typed prefix for name.prefix, and name.exact, where a name
      // holding the searched word whole ranks above one holding its stem.
      shop_words: {
        type: 'custom',
        tokenizer: 'standard',
        filter: ['lowercase', 'asciifolding'],
      },
    },
  },
} as const;

const text = { type: 'text', analyzer: 'shop_text', search_analyzer: 'shop_text_search' } as const;

export const indexMappings = {
  // A field this code does not know is an error at index time, not a silent new mapping.
  dynamic: 'strict',
  properties: {
    id: { type: 'long' },
    sku: { type: 'keyword' },
    name: {
      ...text,
      fields: {
        prefix: { type: 'text', analyzer: 'shop_prefix', search_analyzer: 'shop_words' },
        exact: { type: 'text', analyzer: 'shop_words' },
        // The name sort: what lower(name) orders by in PostgreSQL.
        sort: { type: 'keyword', normalizer: 'shop_lowercase' },
      },
    },
    description: text,
    category: { type: 'keyword', fields: { text } },
    price_cents: { type: 'integer' },
    currency: { type: 'keyword', index: false },
    available: { type: 'integer' },
    in_stock: { type: 'boolean' },
    active: { type: 'boolean' },
    created_at: { type: 'date' },
  },
} as const;

/** The body of `indices.create` for a new concrete index (aliases are set by reindex, not here). */
export const indexDefinition = () => ({ settings: { index: indexSettings }, mappings: indexMappings });

/** A product as the index holds it: everything browse shows, plus what it filters on. */
export interface ProductDocument {
  id: number;
  sku: string;
  name: string;
  description: string;
  category: string;
  price_cents: number;
  currency: string;
  available: number;
  in_stock: boolean;
  active: boolean;
  /** ISO 8601, UTC, milliseconds: what `created_at` of a ProductRow prints as. */
  created_at: string;
}

/** A product's row as read for indexing: a browse row without its stock, and whether it is on sale. */
export type IndexedProductRow = Omit<ProductRow, 'available' | 'created_at'> & {
  active: boolean;
  created_at: Date | string;
};

/**
 * The document for a product: the one place a row becomes a document, for the event sync and
 * reindex alike. An inactive product keeps its document (active=false, filtered out at search),
 * so (de)activation is an update like any other, ordered by its version.
 */
export function toDocument(row: IndexedProductRow, available: number): ProductDocument {
  return {
    id: row.id,
    sku: row.sku,
    name: row.name,
    description: row.description ?? '',
    category: row.category,
    price_cents: row.price_cents,
    currency: row.currency,
    available,
    in_stock: available > 0,
    active: row.active,
    created_at: new Date(row.created_at).toISOString(),
  };
}

/** A document read back (a search hit's _source) as the row browse shows. */
export function toRow(doc: ProductDocument): ProductRow {
  return {
    id: doc.id,
    sku: doc.sku,
    name: doc.name,
    description: doc.description,
    category: doc.category,
    price_cents: doc.price_cents,
    currency: doc.currency,
    available: doc.available,
    created_at: new Date(doc.created_at),
  };
}
