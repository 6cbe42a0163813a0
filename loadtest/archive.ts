import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Manifest } from '../src/archive/index.js';
import { markHistoryAudited } from '../src/audit/index.js';
import type { Db } from '../src/db/index.js';
import { type FlashSaleOptions, type FlashSaleReport, runFlashSale } from './flash-sale.js';
import {
  type ChangedSetting,
  createHotSku,
  dropRedisPrefix,
  freshDatabase,
  withStoreServerSettings,
} from './scenario.js';
import {
  type ActivitySample,
  blocksLine,
  duringSale,
  sampleServerActivity,
  slowSeconds,
} from './server-activity.js';
import { startServiceProcess } from './service.js';

/**
 * Finished orders from years ago, written set-based: `count` DELIVERED orders spread evenly over
 * `months` calendar months starting at `from` (the first of a month), each with one line, its four history steps (PENDING → PAID
 * → SHIPPED → DELIVERED) and its succeeded charge, for customers of 100 orders each. Triggers and
 * foreign-key checks are off while it writes (session_replication_role = replica): these orders
 * announce nothing, and the rows are consistent by construction. Then vacuumed and frozen, as
 * years-old rows are. A million take about two minutes.
 */
export async function insertFinishedOrders(
  db: Db,
  { count, from, months, chunk = 100_000 }: { count: number; from: Date; months: number; chunk?: number },
): Promise<number> {
  const productId = await createHotSku(db, 1, `ARCHIVE-${Date.now().toString(36)}`, 2_500);
  // 28 days a month: every order falls inside its calendar month, however short.
  const spanSeconds = (months * 28 * 86_400) / count;
  let written = 0;
  for (let start = 0; start < count; start += chunk) {
    const n = Math.min(chunk, count - start);
    await db.transaction(async (trx) => {
      await trx.raw('SET LOCAL session_replication_role = replica');
      await trx.raw(
        `WITH customers AS (
           INSERT INTO users (email, role)
           SELECT 'archived-' || :start::bigint + g || '-' || :stamp || '@loadtest.local', 'customer'
             FROM generate_series(0, (:n::int - 1) / 100) g
           RETURNING id
         ), numbered AS (
           SELECT id, row_number() OVER () - 1 AS k FROM customers
         ), o AS (
           INSERT INTO orders (id, user_id, status, total_cents, shipping_address, payment_method,
                               carrier, tracking_number, created_at, updated_at)
           SELECT uuid_v7(:from::timestamptz + (:start::bigint + g) * make_interval(secs => :step)), c.id, 'DELIVERED', 2500,
                  '{"name":"Archived Buyer","line1":"1 Old Street","city":"Leeds","postal_code":"LS1","country":"GB"}',
                  'pm_card_visa', 'ups', '1Z' || (:start::bigint + g),
                  :from::timestamptz + (:start::bigint + g) * make_interval(secs => :step),
                  :from::timestamptz + (:start::bigint + g) * make_interval(secs => :step) + interval '3 days'
             FROM generate_series(0, :n::int - 1) g JOIN numbered c ON c.k = g / 100
           RETURNING id, created_at
         ), items AS (
           INSERT INTO order_items (order_id, product_id, sku, name, quantity, price_at_purchase_cents)
           SELECT o.id, p.id, p.sku, p.name, 1, 2500 FROM o CROSS JOIN products p WHERE p.id = :product
         ), history AS (
           INSERT INTO order_status_history (order_id, from_status, to_status, reason, actor, created_at)
           SELECT o.id, s.from_status, s.to_status, s.reason, 'loadtest', o.created_at + s.after
             FROM o CROSS JOIN (VALUES (1, NULL, 'PENDING', NULL, interval '0'),
                                       (2, 'PENDING', 'PAID', NULL, interval '1 second'),
                                       (3, 'PAID', 'SHIPPED', 'shipped via ups', interval '1 day'),
                                       (4, 'SHIPPED', 'DELIVERED', 'delivered', interval '3 days'))
                  AS s(n, from_status, to_status, reason, after)
            ORDER BY o.id, s.n
         )
         INSERT INTO payments (order_id, provider, provider_ref, kind, state, amount_cents, idempotency_key, created_at, updated_at)
         SELECT o.id, 'sandbox', 'pi_archived_' || replace(o.id::text, '-', ''), 'charge', 'succeeded', 2500,
                'order:' || o.id || ':charge', o.created_at, o.created_at
           FROM o`,
        { start, n, from, step: spanSeconds, product: productId, stamp: Date.now().toString(36) },
      );
    });
    written += n;
  }
  // Years-old rows in a live store were vacuumed and frozen long ago: so are these, so that the run
  // pays for the dead rows it makes (the sales', the archive's), not for the generator's.
  await db.raw('VACUUM (FREEZE, ANALYZE) orders, order_items, order_status_history, payments, users');
  // And audited long ago: the watchdog's incremental audit starts after them.
  await markHistoryAudited(db);
  return written;
}

export interface ArchiveBenchOptions {
  databaseUrl: string;
  redisUrl: string;
  orders: number;
  rate: number;
  durationSec: number;
  /** Units on sale in each sale: the gate's 8,000 of the 12,000 checkouts it offers. */
  stock: number;
  batchSize: number;
  /** The archive's share of the wall clock (ORDER_ARCHIVE_DUTY, shopctl --duty). */
  duty: number;
  /** Its share while the store is busy (ORDER_ARCHIVE_BUSY_DUTY, shopctl --busy-duty). */
  busyDuty: number;
  p99BudgetMs: number;
  /**
   * The control: this many sales one after another on the same generated orders, with no archive
   * beside them. Sale k beside the archive is compared with control sale k (0: run the archive).
   */
  control?: number;
  /**
   * When the sales open: with the archive ('start', both its phases meet sales) or once its files
   * are written and verified ('deleting', the manifest is on disk: only its deletes meet sales).
   */
  salesFrom?: 'start' | 'deleting';
  /** Sales before the archive starts: the run's own control, on the same store (reported first). */
  salesBefore?: number;
}

/** What `shopctl orders archive --json` prints. */
export interface ArchiveRun extends Manifest {
  manifest_file: string | null;
  kept: number;
  ms: number;
  write_ms: number;
  busy_ms: number;
}

export interface ArchiveBenchReport {
  orders: number;
  generateMs: number;
  archive: ArchiveRun | null;
  /** Orders written to the archive per second, and removed per second, over the whole run. */
  archivedPerSec: number;
  /** The sales that ran while the archive did, one after another, each judged as the gate judges it. */
  sales: FlashSaleReport[];
  /** Seconds of sale (firing) while the archive ran, of the archive's whole time. */
  saleSeconds: number;
  writePhaseMs: number;
  deletePhaseMs: number;
  failures: string[];
  /** The server settings the bench changed to the store's for its run (withStoreServerSettings). */
  serverSettings: ChangedSetting[];
  /** What the server and the machine did each second while the sales ran (vacuums, checkpoints, WAL, disk). */
  activity: ActivitySample[];
}

/** A fresh database and a service on it, workers on, as the demo runs: where the archive benches sell. */
export async function storeForArchive(opts: { databaseUrl: string; redisUrl: string }) {
  const { url, db } = await freshDatabase(opts.databaseUrl, 'shop_loadtest_archive');
  const prefix = `loadtest:archive:${Date.now().toString(36)}:`;
  const service = await startServiceProcess({
    DATABASE_URL: url,
    REDIS_URL: opts.redisUrl,
    REDIS_PREFIX: prefix,
    WORKERS: 'true',
  });
  return { url, db, prefix, service };
}

/** A sale of the gate's shape (payments on) against a running service on `databaseUrl`. */
export function saleBeside(o: {
  databaseUrl: string;
  redisUrl: string;
  serviceUrl: string;
  rate: number;
  durationSec: number;
  stock: number;
}): Promise<FlashSaleReport> {
  return runFlashSale({
    databaseUrl: o.databaseUrl,
    redisUrl: o.redisUrl,
    url: o.serviceUrl,
    strategy: 'group-commit',
    rate: o.rate,
    durationSec: o.durationSec,
    stock: o.stock,
    buyers: o.rate * o.durationSec,
    instances: 1,
    payment: true,
  } satisfies FlashSaleOptions);
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** `shopctl orders archive … --json` in its own process, as an operator runs it. */
async function runShopctlArchive(env: Record<string, string>, args: string[]): Promise<ArchiveRun> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(root, 'bin/shopctl.ts'), 'orders', 'archive', ...args, '--json'],
    { cwd: root, env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`shopctl orders archive exited with ${code}: ${out.slice(-2_000)}`);
  return JSON.parse(out) as ArchiveRun;
}

/**
 * The order archive under flash sales: `orders` finished orders from years ago are generated, a
 * service process starts on the same database (background workers on, every order charged, as the
 * demo runs), and `shopctl orders archive` (its own process, at the given duties) starts. Sales of
 * the gate's shape (`rate`/s for `durationSec`, payments on) open one after another while it runs,
 * until it ends, so both its phases, writing and deleting, meet sales; each
 * is judged as the gate judges it (p99, no oversell, the invariants, payments settled). One sale
 * of 300 s at 1,000 paid checkouts a second fell behind on this 2-core box with the archive beside
 * it (165K placed in seven minutes), so no figure came of it; sales of the gate's length, one after
 * another, measure the archive's whole run. The archive must have removed every order it wrote.
 */
export async function runArchiveBench(opts: ArchiveBenchOptions): Promise<ArchiveBenchReport> {
  const { result, changed } = await withStoreServerSettings(opts.databaseUrl, () => archiveBench(opts));
  return { ...result, serverSettings: changed };
}

async function archiveBench(opts: ArchiveBenchOptions): Promise<Omit<ArchiveBenchReport, 'serverSettings'>> {
  let activity: ReturnType<typeof sampleServerActivity> | null = null;
  const { url, db, prefix, service } = await storeForArchive(opts);
  const dir = await mkdtemp(path.join(tmpdir(), 'shop-archive-'));
  try {
    const generated = Date.now();
    const from = new Date(Date.UTC(new Date().getUTCFullYear() - 7, 0, 1));
    await insertFinishedOrders(db, { count: opts.orders, from, months: 12 });
    const generateMs = Date.now() - generated;
    const before = new Date(Date.UTC(from.getUTCFullYear() + 1, 0, 1));
    const sale = () => saleBeside({ ...opts, databaseUrl: url, serviceUrl: service.url });
    const sales: FlashSaleReport[] = [];
    activity = sampleServerActivity(db);
    const samples = () => activity?.samples() ?? [];
    const report = (r: FlashSaleReport) => {
      sales.push(r);
      const fireStart = r.fire.startedAt ?? 0;
      const slow = slowSeconds(r.fire.timeline, fireStart, samples(), opts.p99BudgetMs);
      const ran = duringSale(fireStart, fireStart + r.fire.durationSec * 1_000, samples());
      process.stderr.write(
        `sale ${sales.length}: ${r.successes}/${r.attempts} placed, p99 ${r.fire.latency.p99} ms, oversold ${r.oversold}, failures: ${r.failures.join('; ') || 'none'}\n` +
          `  over ${ran.seconds} s: cores ${JSON.stringify(ran.cores)}; ${ran.vacuums.join(', ') || 'no vacuum'}\n` +
          `  ${blocksLine(ran.blocks)}\n` +
          ran.topQueries.map(([q, n]) => `    ${n} × ${q}\n`).join('') +
          slow.map((l) => `${l}\n`).join(''),
      );
    };
    if (opts.control) {
      for (let i = 0; i < opts.control; i++) report(await sale());
      return {
        orders: opts.orders,
        generateMs,
        archive: null,
        archivedPerSec: 0,
        sales,
        saleSeconds: sales.length * opts.durationSec,
        writePhaseMs: 0,
        deletePhaseMs: 0,
        failures: judge(sales, opts.p99BudgetMs),
        activity: await activity.stop(),
      };
    }
    for (let i = 0; i < (opts.salesBefore ?? 0); i++) report(await sale());
    // The archive starts first, as the monthly job does on its day; sales open one after another
    // while it runs (each prepares its buyers and warms up first), until it ends.
    const archiveStarted = Date.now();
    let archiving = true;
    const archived = runShopctlArchive(
      { DATABASE_URL: url, REDIS_URL: opts.redisUrl, REDIS_PREFIX: prefix },
      [
        '--before',
        before.toISOString().slice(0, 10),
        '--dir',
        dir,
        '--duty',
        String(opts.duty),
        '--busy-duty',
        String(opts.busyDuty),
      ],
    ).finally(() => {
      archiving = false;
    });
    const more = (async () => {
      if (opts.salesFrom === 'deleting') {
        // Phase one ends with the manifest written, before the first order is deleted.
        while (archiving && !(await readdir(dir)).some((f) => f.startsWith('manifest-'))) await sleep(500);
        if (!archiving) return;
      }
      do report(await sale());
      while (archiving);
    })();
    const archive = await archived;
    const archiveMs = Date.now() - archiveStarted;
    await more;
    const failures = judge(sales, opts.p99BudgetMs);
    if (archive.orders !== opts.orders || archive.deleted !== opts.orders) {
      failures.push(`archived ${archive.orders} and removed ${archive.deleted} of ${opts.orders} orders`);
    }
    const left = await db('orders').where('created_at', '<', before).count<{ n: number }[]>({ n: '*' });
    if (Number(left[0]?.n) !== 0) failures.push(`${left[0]?.n} old orders left in the live tables`);
    return {
      orders: opts.orders,
      generateMs,
      archive,
      archivedPerSec: Math.round((archive.orders / archive.ms) * 1_000),
      sales,
      saleSeconds: Math.min(sales.length * opts.durationSec, Math.round(archiveMs / 1_000)),
      writePhaseMs: archive.write_ms,
      deletePhaseMs: archive.ms - archive.write_ms,
      failures,
      activity: await activity.stop(),
    };
  } finally {
    await activity?.stop();
    await service.stop();
    await db.destroy();
    await rm(dir, { recursive: true, force: true });
    await dropRedisPrefix(opts.redisUrl, prefix);
  }
}

/** Each sale judged as the gate judges it, p99 against the budget. */
function judge(sales: FlashSaleReport[], p99BudgetMs: number): string[] {
  return sales.flatMap((r, i) => [
    ...r.failures.map((f) => `sale ${i + 1}: ${f}`),
    ...(r.fire.latency.p99 > p99BudgetMs
      ? [`sale ${i + 1}: checkout p99 ${r.fire.latency.p99} ms over the ${p99BudgetMs} ms budget`]
      : []),
  ]);
}
