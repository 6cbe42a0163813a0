import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { freePort } from '../../loadtest/service.js';
import { baseUrls, createTestDatabase, dropTestDatabase } from '../support/context.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('npm run demo', function () {
  this.timeout(120_000);

  it('prints the store address first, then serves the storefront there once seeded', async () => {
    const databaseUrl = await createTestDatabase();
    const port = await freePort();
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'bin/server.ts', '--demo', '--products', '30'],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          DATABASE_URL: databaseUrl,
          REDIS_URL: baseUrls().redisUrl,
          REDIS_PREFIX: `test:demo:${port}:`,
          PORT: String(port),
          HOST: '127.0.0.1',
          LOG_LEVEL: 'info',
          AMQP_URL: '',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    try {
      let out = '';
      child.stdout.setEncoding('utf8');
      const banner = new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: string) => {
          out += chunk;
          if (/curl/.test(out)) resolve();
        });
        child.once('exit', (code) => reject(new Error(`the demo exited with ${code}: ${out}`)));
      });
      await banner;
      const address = `http://localhost:${port}/`;
      // Before the migrations' and the seed's log lines: the first thing a newcomer sees.
      expect(out.split('\n')[0]).to.contain(address);
      const page = await fetch(address);
      expect(page.status).to.equal(200);
      expect(page.headers.get('content-type')).to.match(/^text\/html/);
    } finally {
      child.kill('SIGINT');
      await new Promise((r) => child.once('exit', r));
      await dropTestDatabase(databaseUrl);
    }
  });
});
