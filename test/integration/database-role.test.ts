import { spawnSync } from 'node:child_process';
import { expect } from 'chai';
import supertest from 'supertest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createContainer } from '../../src/container.js';
import { createDb, migrateLatest, quoteIdent, withMaintenance } from '../../src/db/index.js';
import { checkoutBody } from '../support/checkout.js';
import { ROOT } from '../support/cli.js';
import { baseUrls } from '../support/context.js';
import { createProduct, createUser } from '../support/fixtures.js';

/**
 * Production runs as a plain role: no superuser, no CREATEDB. Its database is made by an operator
 * (owned by the role), migrations run as a release step, and the service starts without them.
 */
describe('a database role without superuser rights', function () {
  this.timeout(90_000);
  const role = `shop_app_${process.pid}`;
  const name = `shop_nosuper_${process.pid}`;
  const admin = baseUrls().databaseUrl;
  const url = (() => {
    const u = new URL(admin);
    u.username = role;
    u.pathname = `/${name}`;
    return u.toString();
  })();

  before(async () => {
    await withMaintenance(admin, async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
      await c.query(`DROP ROLE IF EXISTS ${quoteIdent(role)}`);
      await c.query(`CREATE ROLE ${quoteIdent(role)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE`);
      await c.query(`CREATE DATABASE ${quoteIdent(name)} OWNER ${quoteIdent(role)}`);
    });
  });
  after(async () => {
    await withMaintenance(admin, async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
      await c.query(`DROP ROLE IF EXISTS ${quoteIdent(role)}`);
    });
  });

  it('with MIGRATE_ON_START=false the service refuses an unmigrated database, naming the step', () => {
    const server = spawnSync(process.execPath, ['--import', 'tsx', 'bin/server.ts'], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: url, MIGRATE_ON_START: 'false', PORT: '0', LOG_LEVEL: 'silent' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(server.status).to.equal(1);
    expect(server.stderr).to.match(/migration\(s\) not applied .*: run `shopctl db migrate` first/);
  });

  it('migrates as that role, then takes a checkout', async () => {
    const db = createDb(url, 2);
    try {
      const applied = await migrateLatest(db);
      expect(applied.length).to.be.above(10);
      const { rows } = await db.raw<{ rows: { rolsuper: boolean }[] }>(
        'SELECT rolsuper FROM pg_roles WHERE rolname = current_user',
      );
      expect(rows[0]!.rolsuper).to.equal(false);
    } finally {
      await db.destroy();
    }
    const container = createContainer(
      loadConfig({
        DATABASE_URL: url,
        REDIS_PREFIX: `test:${role}:`,
        LOG_LEVEL: 'silent',
        WORKERS: 'false',
        SANDBOX_LATENCY: '0',
        MIGRATE_ON_START: 'false',
      }),
    );
    try {
      const p = await createProduct(container.db, { stock: 3 });
      const user = await createUser(container);
      const request = supertest(createApp(container).callback());
      const cart = await request
        .post('/cart/items')
        .set(user.auth)
        .send({ product_id: p.id, quantity: 1 })
        .expect(200);
      await request
        .post('/checkout')
        .set(user.auth)
        .set('Idempotency-Key', 'role-test-1')
        .send(checkoutBody(cart.body.cart_id))
        .expect(201);
      expect(await container.worker.drain()).to.deep.equal({ processed: 1, failed: 0 });
    } finally {
      await container.cache.delPattern('*');
      await container.close();
    }
  });
});
