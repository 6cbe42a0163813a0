#!/usr/bin/env -S node --import tsx
import { parseArgs } from 'node:util';
import { prepareDemoStore } from '../seeds/prepare-demo.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { createContainer } from '../src/container.js';
import { ensureDatabase, migrateLatest, pendingMigrations } from '../src/db/index.js';
import { startServer } from '../src/server.js';

const { values } = parseArgs({
  options: { demo: { type: 'boolean', default: false }, products: { type: 'string' } },
});

/** `--products <n>`: the demo catalog's size, a whole number of at least 1. */
function demoProducts(raw: string | undefined): number {
  if (raw === undefined) return 10_000;
  if (!/^[1-9]\d{0,7}$/.test(raw)) {
    throw new ConfigError(`--products must be a whole number from 1 to 99,999,999, got "${raw}"`);
  }
  return Number(raw);
}

async function main() {
  const config = loadConfig();
  if (values.demo && config.env === 'production') {
    throw new ConfigError(
      'The demo store does not run with NODE_ENV=production: it seeds users with a published password. Start without --demo.',
    );
  }
  const products = values.demo ? demoProducts(values.products) : 0;
  if (values.demo && config.http.port !== 0) {
    // The address first, before migrating and seeding log their lines; the banner repeats it once serving.
    const { host: bound, port } = config.http;
    const host = ['0.0.0.0', '::', '127.0.0.1'].includes(bound) ? 'localhost' : bound;
    process.stdout.write(`Shop demo store: http://${host}:${port}/ (ready when the banner below prints)\n`);
  }
  const created = config.db.migrateOnStart ? await ensureDatabase(config.db.url) : false;
  const container = createContainer(config);
  const log = container.logger;
  if (created) log.info('created database');
  if (config.db.migrateOnStart) {
    const applied = await migrateLatest(container.db);
    if (applied.length) log.info({ applied }, 'migrations applied');
  } else {
    const pending = await pendingMigrations(container.db);
    if (pending.length) {
      throw new ConfigError(
        `${pending.length} migration(s) not applied (${pending.join(', ')}): run \`shopctl db migrate\` first`,
      );
    }
  }

  const demo = values.demo ? await prepareDemoStore(container, { products }) : null;
  const running = await startServer(container);
  // Which provider takes the money is the first thing to check on a new deployment.
  log.info({ url: running.url, payment_provider: config.payments.provider }, 'shop is serving');
  if (config.env === 'production' && config.payments.provider === 'sandbox') {
    log.warn('payments go to the sandbox (ALLOW_SANDBOX_PAYMENTS=true): no money is taken for any order');
  }
  if (demo) process.stdout.write(demo.banner(running.url));

  // SIGTERM (an orchestrator, the fleet's balancer) drains first: /readyz turns 503 for
  // SHUTDOWN_DRAIN while requests are still served. SIGINT (Ctrl-C) has no balancer to wait for
  // and stops at once; both let the requests in flight answer. A second signal exits now.
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(1);
    }
    stopping = true;
    const drain = signal === 'SIGTERM';
    log.info({ signal, drain_ms: drain ? config.shutdown.drainMs : 0 }, 'shutting down');
    const budget = (drain ? config.shutdown.drainMs : 0) + config.shutdown.timeoutMs + 5_000;
    const force = setTimeout(() => process.exit(1), budget).unref();
    running.stop({ drain }).then(
      () => {
        clearTimeout(force);
        process.exit(0);
      },
      (err) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((err) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
  } else {
    process.stderr.write(`shop failed to start: ${(err as Error).stack ?? err}\n`);
  }
  process.exit(1);
});
