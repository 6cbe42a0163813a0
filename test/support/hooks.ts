import {
  createDb,
  ensureDatabase,
  migrateLatest,
  quoteIdent,
  withDatabase,
  withMaintenance,
} from '../../src/db/index.js';
import { resolveServices, type TestServices } from './env.js';
import { stopOpenSearch } from './opensearch.js';

// Per process, like every test database: two runs on one machine (a developer's and CI's) never
// drop or clone each other's databases.
export const TEMPLATE_DB = `shop_test_template_${process.pid}`;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
let services: TestServices | undefined;

/** Migrates one template database; every test file then clones it (CREATE DATABASE … TEMPLATE), which takes milliseconds. */
export async function mochaGlobalSetup() {
  services = await resolveServices();
  process.env.TEST_DATABASE_URL = services.databaseUrl;
  process.env.TEST_REDIS_URL = services.redisUrl;
  const templateUrl = withDatabase(services.databaseUrl, TEMPLATE_DB);
  await withMaintenance(services.databaseUrl, async (client) => {
    // Leftovers of interrupted runs: databases whose process is gone.
    const { rows } = await client.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE datname ~ '^shop_test_(template_)?[0-9]+'",
    );
    for (const { datname } of rows) {
      const pid = Number(/^shop_test_(?:template_)?(\d+)/.exec(datname)![1]);
      if (!alive(pid)) await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(datname)} WITH (FORCE)`);
    }
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
  if (services) {
    await withMaintenance(services.databaseUrl, (client) =>
      client.query(`DROP DATABASE IF EXISTS ${quoteIdent(TEMPLATE_DB)} WITH (FORCE)`),
    );
  }
  await services?.stop();
  // Only if a suite asked for OpenSearch and this run started one.
  await stopOpenSearch();
}
