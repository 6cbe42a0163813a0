import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHotSku, freshDatabase } from './scenario.js';

/**
 * The ceiling of one-transaction-per-checkout on this box: pgbench updating one inventory row,
 * each update its own transaction (and so its own WAL flush while holding the row lock).
 */
export async function singleRowUpdateRate(
  databaseUrl: string,
  seconds = 10,
  clients = 16,
): Promise<number | null> {
  const { url, db } = await freshDatabase(databaseUrl, 'shop_pgbench');
  const productId = await createHotSku(db, 1_000_000_000);
  await db.destroy();
  const dir = mkdtempSync(path.join(tmpdir(), 'shop-pgbench-'));
  const script = path.join(dir, 'hot-row.sql');
  writeFileSync(script, `UPDATE inventory SET version = version + 1 WHERE product_id = ${productId};\n`);
  const u = new URL(url);
  const run = spawnSync(
    'pgbench',
    [
      '-n',
      '-c',
      String(clients),
      '-j',
      '2',
      '-T',
      String(seconds),
      '-f',
      script,
      '-h',
      u.hostname,
      '-p',
      u.port || '5432',
      '-U',
      decodeURIComponent(u.username || 'postgres'),
      u.pathname.slice(1),
    ],
    { encoding: 'utf8' },
  );
  if (run.error || run.status !== 0) return null;
  const match = /tps = ([\d.]+)/.exec(run.stdout);
  return match ? Number(match[1]) : null;
}
