import { insertFinishedOrders, saleBeside, storeForArchive } from './archive.js';
import type { FlashSaleReport } from './flash-sale.js';
import { dropRedisPrefix, withStoreServerSettings } from './scenario.js';
import { duringSale, sampleServerActivity } from './server-activity.js';

/**
 * What an archive's deletes leave behind costs a sale, apart from the archive itself: `orders`
 * finished orders from years ago are generated, then sales of the gate's shape run in three
 * stages, `sales` each: (1) every order live; (2) the older half deleted in batches of 1,000, as
 * the archive deletes, with autovacuum off on the order tables, so their dead rows wait; (3) after
 * VACUUM (ANALYZE) of those tables, flat out and timed. Each sale's checkout p99, and the cores
 * each program used through it.
 */
export interface AftermathOptions {
  databaseUrl: string;
  redisUrl: string;
  orders: number;
  sales: number;
  rate: number;
  durationSec: number;
  stock: number;
}

export interface AftermathStage {
  stage: 'live' | 'dead rows waiting' | 'vacuumed';
  sales: { p50: number; p99: number; seconds: number; cores: Record<string, number>; failures: string[] }[];
}

export interface AftermathReport {
  orders: number;
  deleted: number;
  deleteMs: number;
  vacuumMs: number;
  stages: AftermathStage[];
}

const TABLES = ['orders', 'order_items', 'order_status_history', 'payments'];

export async function runAftermathBench(opts: AftermathOptions): Promise<AftermathReport> {
  const { result } = await withStoreServerSettings(opts.databaseUrl, () => aftermath(opts));
  return result;
}

async function aftermath(opts: AftermathOptions): Promise<AftermathReport> {
  const { url, db, prefix, service } = await storeForArchive(opts);
  const activity = sampleServerActivity(db);
  try {
    for (const t of TABLES) await db.raw('ALTER TABLE ?? SET (autovacuum_enabled = false)', [t]);
    const from = new Date(Date.UTC(new Date().getUTCFullYear() - 7, 0, 1));
    await insertFinishedOrders(db, { count: opts.orders, from, months: 12 });
    const stages: AftermathStage[] = [];
    const stage = async (name: AftermathStage['stage']) => {
      const sales: AftermathStage['sales'] = [];
      for (let i = 0; i < opts.sales; i++) {
        const r: FlashSaleReport = await saleBeside({ ...opts, databaseUrl: url, serviceUrl: service.url });
        const start = r.fire.startedAt ?? 0;
        const ran = duringSale(start, start + r.fire.durationSec * 1_000, activity.samples());
        sales.push({
          p50: r.fire.latency.p50,
          p99: r.fire.latency.p99,
          seconds: r.fire.durationSec,
          cores: ran.cores,
          failures: r.failures,
        });
        process.stderr.write(
          `${name} ${i + 1}: p99 ${r.fire.latency.p99} ms, cores ${JSON.stringify(ran.cores)}\n`,
        );
      }
      stages.push({ stage: name, sales });
    };
    await stage('live');
    const deleting = Date.now();
    const { rows } = await db.raw<{ rows: { id: string }[] }>(
      'SELECT id FROM orders WHERE created_at < :half ORDER BY created_at, id',
      { half: new Date(Date.UTC(from.getUTCFullYear(), 6, 1)) },
    );
    for (let i = 0; i < rows.length; i += 1_000) {
      await db.raw('DELETE FROM orders WHERE id = ANY(?::uuid[])', [
        rows.slice(i, i + 1_000).map((r) => r.id),
      ]);
    }
    const deleteMs = Date.now() - deleting;
    await stage('dead rows waiting');
    const vacuuming = Date.now();
    await db.raw(`VACUUM (ANALYZE) ${TABLES.join(', ')}`);
    const vacuumMs = Date.now() - vacuuming;
    await stage('vacuumed');
    return { orders: opts.orders, deleted: rows.length, deleteMs, vacuumMs, stages };
  } finally {
    for (const t of TABLES) await db.raw('ALTER TABLE ?? RESET (autovacuum_enabled)', [t]).catch(() => {});
    await activity.stop();
    await service.stop();
    await db.destroy();
    await dropRedisPrefix(opts.redisUrl, prefix);
  }
}
