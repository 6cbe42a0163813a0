import {
  createDb,
  ensureDatabase,
  migrateLatest,
  quoteIdent,
  withDatabase,
  withMaintenance,
} from '../../src/db/index.js';
import { resolveServices, type TestServices } from './env.js';

export const TEMPLATE_DB = 'shop_test_template';
let services: TestServices | undefined;

/** Migrates one template database; every test file then clones it (CREATE DATABASE … TEMPLATE), which takes milliseconds. */
export async function mochaGlobalSetup() {
  services = await resolveServices();
  process.env.TEST_DATABASE_URL = services.databaseUrl;
  process.env.TEST_REDIS_URL = services.redisUrl;
  const templateUrl = withDatabase(services.databaseUrl, TEMPLATE_DB);
  await withMaintenance(services.databaseUrl, async (client) => {
    // Leftovers of an interrupted run (no one connected to them any more).
    const { rows } = await client.query<{ datname: string }>(
      `SELECT datname FROM pg_database d WHERE datname LIKE 'shop\\_test\\_%'
         AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.datname = d.datname)`,
    );
    for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(datname)}`);
  });
  await ensureDatabase(templateUrl);
  const db = createDb(templateUrl, 2);
  try {
    await migrateLatest(db);
  } finally {
    await db.destroy();
  }
}

export async function mochaGlobalTeardown() {
  await services?.stop();
}
