import type { Db } from '../db/index.js';
import type { SearchClient } from './client.js';
import { INDEXED_EVENT_TYPES } from './indexer.js';
import { aliasTargets } from './indices.js';
import { aliasName, INDEX_VERSION, versionOf } from './mapping.js';
import { activeBuilds, activeProductCount, type IndexLag, indexLag, productCount } from './queries.js';

export interface SearchStatus {
  engine: {
    /** The URL without credentials. */
    url: string;
    reachable: boolean;
    /** green, yellow or red; null when unreachable. */
    health: string | null;
    version: string | null;
    nodes: number | null;
    error?: string;
  };
  alias: string;
  /** The concrete index the alias points at; null when there is none. */
  index: string | null;
  /** The mapping version it was built from, and the one in code: a reindex brings them together. */
  index_version: number | null;
  code_version: number;
  /** Active products in the index (what search can find) and every document, active or not. */
  documents: { active: number; total: number } | null;
  postgres: { active_products: number; products: number };
  /** Active products PostgreSQL has that the index does not (0 when in step; negative: extra). */
  missing: number | null;
  lag: IndexLag;
  /** Indexes a reindex is filling now. */
  builds: { index_name: string; started_at: Date }[];
}

/** The engine's URL as it may be printed: without a password. */
export function redactedUrl(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString().replace(/\/$/, '');
}

/**
 * The index as an operator checks it: the engine's health, what the alias points at, the
 * documents against PostgreSQL's products, and the lag. Reads PostgreSQL even when the engine does
 * not answer (`engine.reachable` false).
 */
export async function searchStatus({
  db,
  client,
  url,
  prefix,
}: {
  db: Db;
  client: SearchClient;
  url: string;
  prefix: string;
}): Promise<SearchStatus> {
  const alias = aliasName(prefix);
  const [active, products, lag, builds] = await Promise.all([
    activeProductCount(db),
    productCount(db),
    indexLag(db, INDEXED_EVENT_TYPES),
    activeBuilds(db),
  ]);
  const status: SearchStatus = {
    engine: { url: redactedUrl(url), reachable: false, health: null, version: null, nodes: null },
    alias,
    index: null,
    index_version: null,
    code_version: INDEX_VERSION,
    documents: null,
    postgres: { active_products: active, products },
    missing: null,
    lag,
    builds,
  };
  try {
    const [{ body: info }, { body: health }] = await Promise.all([client.info(), client.cluster.health()]);
    status.engine = {
      ...status.engine,
      reachable: true,
      health: String(health.status),
      version: info.version?.number ?? null,
      nodes: health.number_of_nodes ?? null,
    };
  } catch (err) {
    status.engine.error = (err as Error).message;
    return status;
  }
  const [index] = await aliasTargets(client, alias);
  if (!index) return status;
  status.index = index;
  status.index_version = versionOf(index);
  const count = async (query?: object) =>
    (await client.count({ index: alias, body: query ? { query } : {} })).body.count;
  const [activeDocs, total] = await Promise.all([count({ term: { active: true } }), count()]);
  status.documents = { active: activeDocs, total };
  status.missing = active - activeDocs;
  return status;
}
