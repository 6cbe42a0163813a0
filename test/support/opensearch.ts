import type { ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildEngine, onPath, spawnEngine, waitForEngine } from '../../scripts/search-engine.js';

/**
 * Where the tests find OpenSearch, decided once per run and only when a test first asks:
 * OPENSEARCH_URL when set (CI starts search-engine/ and sets it); else an OpenSearch container when a
 * Docker engine is reachable; else the project's own engine (search-engine/, built if needed) when
 * java and mvn are on PATH, on a free port with its data in a temporary folder, stopped when the run
 * ends (mochaGlobalTeardown in hooks.ts); else none, and the suites that asked are skipped, saying so.
 */
export const OPENSEARCH_IMAGE = 'opensearchproject/opensearch:2.19.1';

// Bounds for the slowest path, the local engine on a fresh machine: Maven's first download, then a start.
const BUILD_TIMEOUT_MS = 300_000;
const START_TIMEOUT_MS = 180_000;
/** For a suite's `before` hook that calls openSearchUrl(): the build and the start, with room to spare. */
export const OPENSEARCH_SETUP_TIMEOUT_MS = BUILD_TIMEOUT_MS + START_TIMEOUT_MS + 60_000;

interface Resolved {
  url: string | null;
  /** Why there is none: said once in the output and in the titles of the skipped tests. */
  reason?: string;
  stop(): Promise<void>;
}

let resolving: Promise<Resolved> | undefined;

/** The OpenSearch URL for this run, or null where none can be had here. Starts an engine at most once. */
export async function openSearchUrl(): Promise<string | null> {
  resolving ??= resolve();
  return (await resolving).url;
}

/**
 * For a suite's `before` hook: the URL, or, where no engine can be had, the suite's tests skipped
 * with the reason in their titles and one line in the output naming the suite.
 */
export async function requireOpenSearch(ctx: Mocha.Context): Promise<string> {
  ctx.timeout(OPENSEARCH_SETUP_TIMEOUT_MS);
  const url = await openSearchUrl();
  if (url) return url;
  const { reason } = await resolving!;
  const suite = ctx.test?.parent;
  process.stderr.write(`OpenSearch unavailable (${reason}): skipping "${suite?.fullTitle()}"\n`);
  const mark = (s: Mocha.Suite): void => {
    for (const test of s.tests) test.title += ` (skipped: no OpenSearch here: ${reason})`;
    s.suites.forEach(mark);
  };
  if (suite) mark(suite);
  ctx.skip();
}

/** Stops what this run started (a container or the local engine); the URL's owner keeps theirs. */
export async function stopOpenSearch(): Promise<void> {
  const started = resolving;
  resolving = undefined;
  if (started) await (await started.catch(() => null))?.stop();
}

// As test/support/env.ts decides for PostgreSQL and Redis.
function dockerReachable(): boolean {
  return Boolean(process.env.DOCKER_HOST) || existsSync('/var/run/docker.sock');
}

async function resolve(): Promise<Resolved> {
  const given = process.env.OPENSEARCH_URL;
  if (given) return { url: given.replace(/\/+$/, ''), stop: async () => {} };
  if (dockerReachable()) {
    try {
      return await startContainer();
    } catch (err) {
      // A socket file without a running engine, or no image to be had: try the local engine.
      process.stderr.write(
        `OpenSearch container unavailable (${(err as Error).message}); trying search-engine/\n`,
      );
    }
  }
  const missing = ['java', 'mvn'].filter((command) => !onPath(command));
  if (missing.length === 0) return startLocalEngine();
  return {
    url: null,
    reason: `no OPENSEARCH_URL, no Docker engine, and ${missing.join(' and ')} not on PATH for search-engine/`,
    stop: async () => {},
  };
}

async function startContainer(): Promise<Resolved> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const container = await new GenericContainer(OPENSEARCH_IMAGE)
    .withEnvironment({
      'discovery.type': 'single-node',
      DISABLE_SECURITY_PLUGIN: 'true',
      DISABLE_INSTALL_DEMO_CONFIG: 'true',
      OPENSEARCH_JAVA_OPTS: '-Xms512m -Xmx1g',
    })
    .withExposedPorts(9200)
    .withWaitStrategy(
      Wait.forHttp('/_cluster/health?wait_for_status=yellow&timeout=1s', 9200).forStatusCode(200),
    )
    .withStartupTimeout(START_TIMEOUT_MS)
    .start();
  return {
    url: `http://${container.getHost()}:${container.getMappedPort(9200)}`,
    stop: async () => {
      await container.stop().catch(() => {});
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

async function startLocalEngine(): Promise<Resolved> {
  await buildEngine(() => {}, BUILD_TIMEOUT_MS);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'shop-opensearch-'));
  const logFile = path.join(dataDir, 'engine.log');
  const log = openSync(logFile, 'a');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess;
  try {
    child = spawnEngine({ port, dataDir }, ['ignore', log, log]);
  } finally {
    closeSync(log);
  }
  // mocha exits the process when the run ends (.mocharc "exit"): never leave a JVM behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const stop = async () => {
    process.off('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await waitForEngine(url, START_TIMEOUT_MS, child);
  } catch (err) {
    const tail = readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n');
    await stop();
    throw new Error(`search-engine did not start: ${(err as Error).message}\n${tail}`);
  }
  process.stderr.write(`OpenSearch: search-engine/ started for this run at ${url}\n`);
  return { url, stop };
}
