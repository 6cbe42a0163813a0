import type { Command } from 'commander';
import { BATCH_PHASES, type BatchPhase, type BatchResult } from '../../src/recommendations/index.js';
import { type GlobalOptions, print, withContainer } from '../context.js';
import { examples, inert, table, when } from '../format.js';
import { progressBar } from '../progress.js';

const PHASES: Record<BatchPhase, string> = {
  baskets: 'reading the paid orders of the window',
  counts: 'counting each product’s orders',
  pairs: 'scoring the pairs bought together',
  swap: 'serving the new lists',
};

const days = (seconds: number) => `${+(seconds / 86_400).toFixed(1)} days`;

function describeBatch(r: BatchResult): string {
  return [
    `generation ${r.generation}: ${r.recommendations} recommendations for ${r.products} products from ${r.orders} paid orders of the last ${days(r.window_seconds)}`,
    `took ${r.seconds.toFixed(1)} s (pairs in at least ${r.min_support} orders)`,
  ].join('\n');
}

export function registerRecommendationCommands(program: Command) {
  const recommendations = program
    .command('recommendations')
    .description('"customers who bought this also bought": the daily batch and its lists');

  recommendations
    .command('rebuild')
    .description('compute every product’s list from the paid orders now and serve it in place of the last')
    .addHelpText(
      'after',
      `${examples('shopctl recommendations rebuild', 'shopctl recommendations rebuild --json')}\n\nThe service runs it daily, once across its processes; readers see the old lists until the\nnew ones are served, all at once. Exit code 1 when a batch is already running.`,
    )
    .action(async (_opts: unknown, cmd: Command) => {
      const { json } = cmd.optsWithGlobals<GlobalOptions>();
      await withContainer(async (c) => {
        const bar = json ? null : progressBar('steps');
        bar?.start(BATCH_PHASES.length, 0);
        try {
          const result = await c.recommendations.rebuild({
            onPhase: (phase) => {
              bar?.update(BATCH_PHASES.indexOf(phase), {});
              if (!json) process.stderr.write(`\n${PHASES[phase]}…\n`);
            },
          });
          bar?.update(BATCH_PHASES.length);
          bar?.stop();
          print(json, result, () => describeBatch(result));
        } catch (err) {
          bar?.stop();
          throw err;
        }
      });
    });

  recommendations
    .command('show')
    .description('a product’s list as the last batch wrote it, with each product’s state now')
    .argument('<sku>', 'the product')
    .addHelpText(
      'after',
      `${examples('shopctl recommendations show KIT-0001', 'shopctl recommendations show KIT-0001 --json')}\n\nShoppers see only the active products in stock; a product with no list gets similar products.`,
    )
    .action(async (sku: string, _opts: unknown, cmd: Command) => {
      const { json } = cmd.optsWithGlobals<GlobalOptions>();
      await withContainer(async (c) => {
        const shown = await c.recommendations.describe(sku);
        print(json, shown, () => {
          const b = shown.batch;
          const head = b
            ? `generation ${b.generation}, built ${when(b.finished_at)} in ${(b.duration_ms / 1_000).toFixed(1)} s from ${b.orders} paid orders`
            : 'no batch has run yet (shopctl recommendations rebuild)';
          const list = shown.list.length
            ? table(shown.list, [
                ['#', (r) => r.rank],
                ['sku', (r) => r.sku],
                ['name', (r) => r.name],
                ['score', (r) => r.score.toFixed(3)],
                ['orders together', (r) => r.co_purchases],
                ['shown', (r) => (!r.active ? 'no: inactive' : r.available > 0 ? 'yes' : 'no: sold out')],
              ])
            : '(no co-purchase data: shoppers get similar products)';
          return [`${inert(sku)}: ${head}`, list].join('\n');
        });
      });
    });
}
