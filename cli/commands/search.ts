import type { Command } from 'commander';
import type { Container } from '../../src/container.js';
import {
  createSearchClient,
  DEFAULT_REINDEX_OPTIONS,
  ReindexBusyError,
  type ReindexPhase,
  reindex,
  type SearchStatus,
  searchStatus,
} from '../../src/search/index.js';
import { CliError, exitQuietly, type GlobalOptions, print, printText, withContainer } from '../context.js';
import { examples, when } from '../format.js';
import { positiveInteger } from '../options.js';
import { progressBar } from '../progress.js';

/** The engine shopctl talks to: OPENSEARCH_URL, whatever SEARCH_BACKEND browse uses now. */
function engine(c: Container) {
  const opensearch = c.config.search.opensearch;
  if (!opensearch) {
    throw new CliError(
      'OPENSEARCH_URL is not set: there is no search engine to look at (browse searches PostgreSQL)',
    );
  }
  // An operator's command may wait longer than a shopper's search.
  const client = createSearchClient({ url: opensearch.url, timeoutMs: 30_000 });
  return { client, url: opensearch.url, prefix: opensearch.indexPrefix };
}

function describeStatus(s: SearchStatus, backend: string): string {
  const e = s.engine;
  const lines = [
    `engine: ${e.url} ${e.reachable ? `${e.health} (OpenSearch ${e.version}, ${e.nodes} node${e.nodes === 1 ? '' : 's'})` : `unreachable: ${e.error}`}`,
    `browse searches: ${backend}`,
    `alias: ${s.alias} → ${s.index ?? (e.reachable ? 'none (run shopctl search reindex)' : '?')}`,
  ];
  if (s.index) {
    lines.push(
      `mapping: v${s.index_version ?? '?'}${s.index_version === s.code_version ? '' : ` (code has v${s.code_version}: run shopctl search reindex)`}`,
    );
  }
  if (s.documents) {
    lines.push(
      `documents: ${s.documents.active} on sale (${s.documents.total} in all); PostgreSQL: ${s.postgres.active_products} active products (${s.postgres.products} in all)${s.missing ? `; ${s.missing > 0 ? `${s.missing} missing` : `${-s.missing} extra`}` : ''}`,
    );
  } else {
    lines.push(`PostgreSQL: ${s.postgres.active_products} active products (${s.postgres.products} in all)`);
  }
  lines.push(
    `index lag: ${s.lag.seconds.toFixed(1)} s (${s.lag.owed} product${s.lag.owed === 1 ? '' : 's'} owed${s.lag.oldest ? `, oldest change ${when(s.lag.oldest)}` : ''})`,
  );
  for (const b of s.builds) lines.push(`reindex running: ${b.index_name}, started ${when(b.started_at)}`);
  return lines.join('\n');
}

const PHASES: Record<ReindexPhase, string> = {
  loading: 'loading the products from PostgreSQL',
  'catching up': 'catching up the changes made meanwhile',
  swapping: 'swapping the alias',
  'dropping the old index': 'dropping the old index',
};

export function registerSearchCommands(program: Command) {
  const search = program
    .command('search')
    .description('the search engine: its health, its index against PostgreSQL, a rebuild without downtime');

  search
    .command('status')
    .description("the engine's health, the alias and its index, documents against PostgreSQL, the index lag")
    .addHelpText(
      'after',
      `${examples('shopctl search status', 'shopctl search status --json')}\n\nExit code 1 when the engine does not answer or the alias is missing.`,
    )
    .action(async (_opts: unknown, cmd: Command) => {
      const { json } = cmd.optsWithGlobals<GlobalOptions>();
      await withContainer(async (c) => {
        const { client, url, prefix } = engine(c);
        try {
          const status = await searchStatus({ db: c.db, client, url, prefix });
          print(json, { backend: c.config.search.backend, ...status }, () =>
            describeStatus(status, c.config.search.backend),
          );
          if (!status.engine.reachable || !status.index) throw exitQuietly(1);
        } finally {
          await client.close();
        }
      });
    });

  search
    .command('reindex')
    .description(
      'build a new index from PostgreSQL, catch up the changes made meanwhile, swap the alias, drop the old index',
    )
    .option(
      '--batch <n>',
      'products per bulk request (100-10000)',
      positiveInteger(10_000),
      DEFAULT_REINDEX_OPTIONS.batchSize,
    )
    .option(
      '--concurrency <n>',
      'bulk requests in flight (1-8)',
      positiveInteger(8),
      DEFAULT_REINDEX_OPTIONS.concurrency,
    )
    .addHelpText(
      'after',
      `${examples('shopctl search reindex', 'shopctl search reindex --batch 5000 --json')}\n\nSearch answers from the old index until the alias moves, in one step. Creates the first index\nwhen there is none. One reindex runs at a time.`,
    )
    .action(async (opts: { batch: number; concurrency: number }, cmd: Command) => {
      const { json } = cmd.optsWithGlobals<GlobalOptions>();
      if (opts.batch < 100) throw new CliError('--batch must be at least 100', 2);
      await withContainer(async (c) => {
        const { client, prefix } = engine(c);
        const bar = json ? null : progressBar('products');
        let loading = false;
        try {
          const result = await reindex(
            { db: c.db, dbUrl: c.config.db.url, client, prefix, logger: c.logger },
            {
              options: { ...DEFAULT_REINDEX_OPTIONS, batchSize: opts.batch, concurrency: opts.concurrency },
              onPhase: (phase) => {
                if (loading) bar?.stop();
                loading = phase === 'loading';
                if (!json) printText(`${PHASES[phase]}…`);
              },
              onProgress: (done, total) => {
                if (!bar || !loading) return;
                if (done === 0) bar.start(total, 0);
                else bar.update(done);
              },
            },
          );
          const r = result!;
          print(json, r, () =>
            [
              `${r.alias} → ${r.index}: ${r.products} products in ${r.seconds.toFixed(1)} s (${Math.round(r.products / Math.max(r.seconds, 0.001))}/s)`,
              `caught up ${r.caught_up} changed during the load; ${r.previous.length ? `dropped ${r.previous.join(', ')}` : 'first index: nothing to drop'}`,
              ...(r.rejected ? [`${r.rejected} documents refused by the engine (see the log)`] : []),
            ].join('\n'),
          );
          if (r.rejected) throw exitQuietly(1);
        } catch (err) {
          bar?.stop();
          if (err instanceof ReindexBusyError)
            throw new CliError(`${err.message}; try again when it has finished`);
          throw err;
        } finally {
          await client.close();
        }
      });
    });
}
