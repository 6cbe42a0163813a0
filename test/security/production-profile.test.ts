import { spawn, spawnSync } from 'node:child_process';
import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../src/config.js';
import { ROOT } from '../support/cli.js';
import { createTestDatabase, dropTestDatabase } from '../support/context.js';
import { PRODUCTION } from '../support/env.js';

const without = (...names: (keyof typeof PRODUCTION)[]) =>
  Object.fromEntries(
    Object.entries(PRODUCTION).filter(([k]) => !names.includes(k as keyof typeof PRODUCTION)),
  );

function refusal(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('the configuration was accepted');
}

describe('production refuses unsafe defaults', function () {
  this.timeout(60_000);

  it('names every missing setting at once: payment provider, metrics token, auth cache secret', () => {
    const message = refusal({ NODE_ENV: 'production' });
    expect(message).to.match(/PAYMENT_PROVIDER: required with NODE_ENV=production/);
    expect(message).to.match(/METRICS_TOKEN: required with NODE_ENV=production/);
    expect(message).to.match(/AUTH_CACHE_SECRET: required with NODE_ENV=production/);
  });

  for (const name of ['PAYMENT_PROVIDER', 'METRICS_TOKEN', 'AUTH_CACHE_SECRET'] as const) {
    it(`refuses to start without ${name}, everything else set`, () => {
      const message = refusal(without(name));
      expect(message).to.match(new RegExp(`${name}: required with NODE_ENV=production`));
      // Only what is missing is named.
      const others = ['PAYMENT_PROVIDER', 'METRICS_TOKEN', 'AUTH_CACHE_SECRET'].filter((n) => n !== name);
      for (const other of others) expect(message).to.not.include(other);
    });
  }

  it('refuses the sandbox, which ships goods for a test card, unless ALLOW_SANDBOX_PAYMENTS=true', () => {
    const sandbox = { ...without('STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET'), PAYMENT_PROVIDER: 'sandbox' };
    expect(refusal(sandbox)).to.match(/PAYMENT_PROVIDER: sandbox takes no money/);
    expect(refusal({ ...sandbox, ALLOW_SANDBOX_PAYMENTS: 'false' })).to.match(/sandbox takes no money/);
    expect(loadConfig({ ...sandbox, ALLOW_SANDBOX_PAYMENTS: 'true' }).payments.provider).to.equal('sandbox');
  });

  it('refuses a Stripe API base that is not https', () => {
    for (const base of ['http://api.stripe.com', 'http://127.0.0.1:12111']) {
      expect(refusal({ ...PRODUCTION, STRIPE_API_BASE: base })).to.match(
        /STRIPE_API_BASE: must be an https: URL/,
      );
    }
    expect(
      loadConfig({ ...PRODUCTION, STRIPE_API_BASE: 'https://stripe.internal:8443' }).payments.stripe?.apiBase,
    ).to.equal('https://stripe.internal:8443');
  });

  it('development keeps its defaults: the sandbox, open metrics, a per-process secret', () => {
    const config = loadConfig({});
    expect(config.payments.provider).to.equal('sandbox');
    expect(config.metrics.token).to.equal(null);
    expect(config.auth.cacheSecret).to.equal(null);
  });

  it('the service itself exits naming what is missing, and with it all set logs its payment provider', async () => {
    const refused = spawnSync(process.execPath, ['--import', 'tsx', 'bin/server.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, NODE_ENV: 'production', PORT: '0', LOG_LEVEL: 'silent' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(refused.status).to.equal(1);
    for (const name of ['PAYMENT_PROVIDER', 'METRICS_TOKEN', 'AUTH_CACHE_SECRET']) {
      expect(refused.stderr).to.include(name);
    }

    const databaseUrl = await createTestDatabase();
    const server = spawn(process.execPath, ['--import', 'tsx', 'bin/server.ts'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        ...PRODUCTION,
        DATABASE_URL: databaseUrl,
        HOST: '127.0.0.1',
        PORT: '0',
        WORKERS: 'false',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const line = await new Promise<Record<string, unknown>>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error(`no start-up line: ${out}`)), 30_000);
        server.stdout.on('data', (chunk: Buffer) => {
          out += chunk;
          const serving = out
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as Record<string, unknown>)
            .find((l) => l.msg === 'shop is serving');
          if (serving) {
            clearTimeout(timer);
            resolve(serving);
          }
        });
        server.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
      });
      expect(line.payment_provider).to.equal('stripe');
    } finally {
      server.kill('SIGTERM');
      await new Promise((r) => server.once('exit', r));
      await dropTestDatabase(databaseUrl);
    }
  });
});
