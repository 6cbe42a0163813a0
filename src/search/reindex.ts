import pg from 'pg';
import type { Db } from '../db/index.js';
import type { Logger } from '../shared/logger.js';
import { type BulkTarget, type DocumentOutcome, writeDocuments } from './bulk.js';
import type { SearchClient } from './client.js';
import { aliasTargets, concreteIndexNamed, dropIndex, slow } from './indices.js';
import { aliasName, indexDefinition, indexSettings, newIndexName } from './mapping.js';
import {
  beatBuild,
  endBuild,
  type ProductToIndex,
  productCount,
  readCatalogPage,
  readOwedPage,
  staleBuilds,
  startBuild,
} from './queries.js';

export interface ReindexOptions {
  /** Products per bulk request. */
  batchSize: number;
  /** Bulk requests in flight at once. */
  concurrency: number;
  /** One bulk request's deadline. */
  timeoutMs: number;
  /** How long searches already running on the old index have to finish before it is dropped. */
  dropGraceMs: number;
}

export const DEFAULT_REINDEX_OPTIONS: ReindexOptions = {
  batchSize: 2_000,
  concurrency: 2,
  timeoutMs: 120_000,
  dropGraceMs: 2_000,
};

export type ReindexPhase = 'loading' | 'catching up' | 'swapping' | 'dropping the old index';

export interface ReindexResult {
  alias: string;
  index: string;
  /** The indexes the alias pointed at before (dropped, unless kept). */
  previous: string[];
  products: number;
  /** Documents the engine refused for good (each logged); 0 on a healthy run. */
  rejected: number;
  /** Products changed during the load and written again before the swap. */
  caught_up: number;
  seconds: number;
}

/** Another reindex holds the lock: one build at a time. */
export class ReindexBusyError extends Error {
  override name = 'ReindexBusyError';
}

/** One reindex at a time, across processes and shopctl: a session lock on its own connection. */
const REINDEX_LOCK = 0x5ea4c5;

/** Writes are retried this many times (a full bulk queue, a node restarting) before the reindex gives up. */
const WRITE_ATTEMPTS = 6;

type CreateBody = NonNullable<Parameters<SearchClient['indices']['create']>[0]>['body'];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Deps {
  db: Db;
  dbUrl: string;
  client: SearchClient;
  prefix: string;
  logger: Logger;
}

/**
 * Holds the reindex lock for `fn` on a connection of its own (a session lock: released if this
 * process dies). Throws ReindexBusyError when another reindex has it.
 */
async function withReindexLock<T>(dbUrl: string, fn: () => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: dbUrl, application_name: 'shop-search-reindex' });
  await client.connect();
  try {
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [
      REINDEX_LOCK,
    ]);
    if (!rows[0]?.locked) throw new ReindexBusyError('another search reindex is running');
    return await fn();
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Writes products to the new index, retrying what the engine could not take now; answers how many
 * it refused for good.
 */
async function load(
  client: SearchClient,
  target: BulkTarget,
  products: ProductToIndex[],
  options: ReindexOptions,
  logger: Logger,
): Promise<number> {
  let pending = products;
  let rejected = 0;
  for (let attempt = 1; pending.length > 0; attempt++) {
    let outcomes: Map<ProductToIndex, DocumentOutcome>;
    let reasons: Map<ProductToIndex, string>;
    try {
      ({ outcomes, reasons } = await writeDocuments(client, [target], pending, {
        timeoutMs: options.timeoutMs,
      }));
    } catch (err) {
      if (attempt >= WRITE_ATTEMPTS) throw err;
      await sleep(250 * 2 ** attempt);
      continue;
    }
    for (const [product, reason] of reasons) {
      rejected++;
      logger.error(
        { product: product.product_id, reason },
        'search reindex: the engine refused a product document',
      );
    }
    pending = pending.filter((p) => outcomes.get(p) === 'retry');
    if (pending.length > 0) {
      if (attempt >= WRITE_ATTEMPTS) {
        throw new Error(`the engine did not take ${pending.length} documents after ${attempt} attempts`);
      }
      await sleep(250 * 2 ** attempt);
    }
  }
  return rejected;
}

/**
 * Builds a new concrete index of the products from PostgreSQL and moves the alias to it, while
 * search keeps answering from the old one:
 *
 * 1. creates the index from the mapping in code (mapping.ts), refresh off and no replicas while
 *    it loads, and registers it (search_index_builds): from then on the indexer writes every
 *    product it indexes to it as well, so changes made during the load reach it;
 * 2. loads the catalog in id order (keyset pages, `batchSize` products per bulk request,
 *    `concurrency` requests in flight), each product at the version its page read with it: a
 *    change the indexer wrote meanwhile carries a higher version and is never overwritten;
 * 3. catches up: writes again the products still owed to the index (changes not indexed yet),
 *    so the new index is current at the swap even where no indexer runs;
 * 4. restores refresh and replicas, refreshes, and swaps the alias in one `_aliases` call
 *    (remove the old index, add the new one): a search sees the old index or the new, never none;
 * 5. drops the old index after a grace period for the searches still running on it.
 *
 * A failure before the swap drops the new index and leaves the alias where it was.
 */
export async function reindex(
  deps: Deps,
  {
    options = DEFAULT_REINDEX_OPTIONS,
    onProgress,
    onPhase,
    onlyIfMissing = false,
  }: {
    options?: ReindexOptions;
    onProgress?: (done: number, total: number) => void;
    onPhase?: (phase: ReindexPhase) => void;
    /** Build only when the alias is missing (a service starting up); null when it exists. */
    onlyIfMissing?: boolean;
  } = {},
): Promise<ReindexResult | null> {
  const { db, dbUrl, client, prefix, logger } = deps;
  const alias = aliasName(prefix);
  return withReindexLock(dbUrl, async () => {
    if (onlyIfMissing && (await aliasTargets(client, alias)).length > 0) return null;
    const started = Date.now();
    // Under the lock no other reindex runs: every registered build is one that died.
    for (const abandoned of await staleBuilds(db, { all: true })) {
      await endBuild(db, abandoned);
      await dropIndex(client, abandoned);
      logger.warn({ index: abandoned }, 'search reindex: dropped an index an interrupted reindex left');
    }

    const index = newIndexName(prefix);
    const definition = indexDefinition();
    // The definition is `as const` (readonly arrays), which the client's types do not take.
    const loading = {
      ...definition,
      settings: {
        index: {
          ...definition.settings.index,
          refresh_interval: '-1',
          number_of_replicas: 0,
          // Not searched until the swap, and rebuilt if this process dies: no fsync per bulk request.
          translog: { durability: 'async' },
        },
      },
    } as unknown as CreateBody;
    await client.indices.create({ index, body: loading }, slow);
    try {
      await startBuild(db, index);
      const target: BulkTarget = { index, alias: false };
      onPhase?.('loading');
      const total = await productCount(db);
      let done = 0;
      let rejected = 0;
      let lastBeat = Date.now();
      onProgress?.(0, total);

      // Pages are read one after another (a keyset), written `concurrency` at a time.
      const inFlight = new Set<Promise<void>>();
      let failure: unknown = null;
      let afterId = 0;
      for (;;) {
        const page = await readCatalogPage(db, afterId, options.batchSize);
        if (page.length === 0) break;
        afterId = page[page.length - 1]!.product_id;
        const write = load(client, target, page, options, logger).then(
          (n) => {
            rejected += n;
            done += page.length;
            onProgress?.(Math.min(done, total), Math.max(total, done));
          },
          (err) => {
            failure ??= err;
          },
        );
        const tracked = write.finally(() => inFlight.delete(tracked));
        inFlight.add(tracked);
        if (inFlight.size >= options.concurrency) await Promise.race(inFlight);
        if (failure) break;
        if (Date.now() - lastBeat > 5_000) {
          lastBeat = Date.now();
          await beatBuild(db, index);
        }
      }
      await Promise.all(inFlight);
      if (failure) throw failure;

      onPhase?.('catching up');
      let caughtUp = 0;
      for (let after = 0; ; ) {
        const owed = await readOwedPage(db, after, options.batchSize);
        if (owed.length === 0) break;
        after = owed[owed.length - 1]!.product_id;
        rejected += await load(client, target, owed, options, logger);
        caughtUp += owed.length;
        await beatBuild(db, index);
      }

      onPhase?.('swapping');
      await client.indices.putSettings(
        {
          index,
          body: {
            index: {
              refresh_interval: indexSettings.refresh_interval,
              number_of_replicas: indexSettings.number_of_replicas,
              translog: { durability: 'request' },
            },
          },
        },
        slow,
      );
      await client.indices.refresh({ index }, slow);
      // Loaded with an async translog: what it had not yet written would be lost with the engine
      // (a kill -9 after the swap dropped the last ~5,500 documents). A flush commits it all first.
      await client.indices.flush({ index, wait_if_ongoing: true }, slow);
      await client.cluster.health({ index, wait_for_status: 'yellow', timeout: '50s' }, slow);
      const previous = await aliasTargets(client, alias);
      const squatter = previous.length === 0 && (await concreteIndexNamed(client, alias));
      await client.indices.updateAliases(
        {
          body: {
            actions: [
              ...previous.map((old) => ({ remove: { index: old, alias } })),
              ...(squatter ? [{ remove_index: { index: alias } }] : []),
              { add: { index, alias } },
            ],
          },
        },
        slow,
      );
      await endBuild(db, index);

      onPhase?.('dropping the old index');
      if (previous.length > 0) await sleep(options.dropGraceMs);
      for (const old of previous) await dropIndex(client, old);
      const result: ReindexResult = {
        alias,
        index,
        previous,
        products: done,
        rejected,
        caught_up: caughtUp,
        seconds: (Date.now() - started) / 1000,
      };
      logger.info(result, 'search reindex: the alias points at the new index');
      return result;
    } catch (err) {
      await endBuild(db, index).catch(() => undefined);
      // Unless the alias already moved to it: then it is the index search reads.
      if (!(await aliasTargets(client, alias).catch((): string[] => [])).includes(index)) {
        await dropIndex(client, index).catch(() => undefined);
      }
      throw err;
    }
  });
}

/**
 * The index search reads, built from PostgreSQL if the alias is missing (a new store, a new
 * engine, an index deleted by hand); nothing when it exists. A service with SEARCH_BACKEND=opensearch
 * calls it at start-up, in the background (browse answers from PostgreSQL until the alias exists);
 * when several start at once one builds and the others find the lock taken and leave it.
 */
export async function ensureIndex(
  deps: Deps,
  opts: { options?: ReindexOptions } = {},
): Promise<{ created: boolean; index: string | null }> {
  const alias = aliasName(deps.prefix);
  const existing = await aliasTargets(deps.client, alias);
  if (existing.length > 0) return { created: false, index: existing[0]! };
  try {
    const built = await reindex(deps, { ...opts, onlyIfMissing: true });
    return built ? { created: true, index: built.index } : { created: false, index: null };
  } catch (err) {
    if (err instanceof ReindexBusyError) return { created: false, index: null };
    throw err;
  }
}
