import { readdir } from 'node:fs/promises';
import { expect } from 'chai';
import { prepareDemoStore } from '../../seeds/prepare-demo.js';
import { createContainer } from '../../src/container.js';
import {
  createDb,
  databaseName,
  ensureDatabase,
  migrateLatest,
  quoteIdent,
  withDatabase,
  withMaintenance,
} from '../../src/db/index.js';
import { baseUrls, createTestContext } from '../support/context.js';

// A fleet's processes start together, each with MIGRATE_ON_START: every one must come up, and
// every migration must run once.
describe('migrations, started by several processes at once on a brand-new database', function () {
  // Four full migrations queue behind one another's lock: on a busy machine that is well past
  // mocha's default, and a test cut short would leave them running into the database's drop.
  this.timeout(180_000);
  const { databaseUrl } = baseUrls();
  const url = withDatabase(databaseUrl, `shop_test_${process.pid}_concurrent_migrate`);

  after(() =>
    withMaintenance(databaseUrl, (client) =>
      client.query(`DROP DATABASE IF EXISTS ${quoteIdent(databaseName(url))} WITH (FORCE)`),
    ),
  );

  it('four at once: none fails, each migration is applied once, by one of them', async () => {
    const starts = await Promise.allSettled([1, 2, 3, 4].map(() => ensureDatabase(url)));
    expect(starts.map((s) => s.status)).to.deep.equal(Array(4).fill('fulfilled'));
    expect(starts.filter((s) => s.status === 'fulfilled' && s.value)).to.have.length(1);

    const dbs = [1, 2, 3, 4].map(() => createDb(url, 2));
    try {
      const runs = await Promise.allSettled(dbs.map((db) => migrateLatest(db)));
      const failures = runs.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
      expect(failures).to.deep.equal([]);
      const applied = runs.map((r) => (r.status === 'fulfilled' ? r.value : []));
      const files = (await readdir(new URL('../../migrations/', import.meta.url)))
        .filter((f) => f.endsWith('.ts'))
        .sort();
      // One process applied them all; the others waited and found nothing left.
      expect(applied.filter((a) => a.length > 0)).to.have.length(1);
      expect(applied.flat().sort()).to.deep.equal(files);
      const recorded = await dbs[0]!('knex_migrations').select('name').orderBy('name');
      expect(recorded.map((r: { name: string }) => r.name)).to.deep.equal(files);
    } finally {
      await Promise.all(dbs.map((db) => db.destroy()));
    }
  });

  it('the demo store, prepared by three processes at once, is seeded once', async () => {
    const t = await createTestContext();
    const others = [1, 2].map(() => createContainer(t.container.config));
    try {
      const prepared = await Promise.allSettled(
        [t.container, ...others].map((c) => prepareDemoStore(c, { products: 40 })),
      );
      expect(prepared.map((p) => p.status)).to.deep.equal(['fulfilled', 'fulfilled', 'fulfilled']);
      const counted = await t.container.db('products').count({ count: '*' }).first();
      expect(Number(counted?.count)).to.equal(40);
    } finally {
      await Promise.all(others.map((c) => c.close()));
      await t.close();
    }
  });
});
