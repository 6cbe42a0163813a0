/**
 * A real single-node OpenSearch on this machine, from search-engine/ (a Maven build of the server
 * and the modules the catalog's search needs; see search-engine/pom.xml):
 *
 *   npm run search:engine                          # http://127.0.0.1:9200, data in search-engine/data
 *   npm run search:engine -- --port 9201 --data /tmp/os
 *
 * Builds on first use and whenever the pom or the launcher changed (Java 17 and Maven), starts the
 * node in the foreground, prints its URL once the cluster answers, and stops it on Ctrl-C or
 * SIGTERM. test/support/opensearch.ts starts the same node through the functions exported here.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs, stripVTControlCharacters } from 'node:util';

export const ENGINE_DIR = fileURLToPath(new URL('../search-engine/', import.meta.url));
const TARGET = path.join(ENGINE_DIR, 'target');
const STAMP = path.join(TARGET, 'source.sha256');
const MAIN_CLASS = 'shop.searchengine.SearchEngine';
// The heap the issue sets for the engine everywhere (CI, tests, a developer's machine).
export const ENGINE_JAVA_OPTIONS = ['-Xms512m', '-Xmx1g'];

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const full = path.join(dir, entry.name);
      return entry.isDirectory() ? filesUnder(full) : [full];
    })
    .sort();
}

/** What the build is made from: the pom and everything under src/, names and contents. */
function sourceHash(): string {
  const hash = createHash('sha256');
  for (const file of [path.join(ENGINE_DIR, 'pom.xml'), ...filesUnder(path.join(ENGINE_DIR, 'src'))]) {
    hash.update(path.relative(ENGINE_DIR, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

/** True when target/ holds a build of the current sources (classes, every jar, the stamp). */
export function engineIsBuilt(): boolean {
  const lib = path.join(TARGET, 'lib');
  return (
    existsSync(path.join(TARGET, 'classes', ...MAIN_CLASS.split('.')) + '.class') &&
    existsSync(lib) &&
    readdirSync(lib).some((jar) => /^opensearch-\d.*\.jar$/.test(jar)) &&
    existsSync(STAMP) &&
    readFileSync(STAMP, 'utf8').trim() === sourceHash()
  );
}

/** Whether `command` runs here (java -version, mvn -v): the local engine needs both. */
export function onPath(command: string): boolean {
  return (process.env.PATH ?? '')
    .split(path.delimiter)
    .some((dir) => dir && existsSync(path.join(dir, command)) && statSync(path.join(dir, command)).isFile());
}

/**
 * `mvn package` in search-engine/ unless the build is current. The first build downloads the
 * server's jars from Maven Central (about 50 MB); later ones take seconds. Maven's output is
 * passed to `log` line by line and thrown with the error when the build fails or outlasts `timeoutMs`.
 */
export async function buildEngine(
  log: (line: string) => void = () => {},
  timeoutMs = 600_000,
): Promise<void> {
  if (engineIsBuilt()) return;
  const hash = sourceHash();
  const output: string[] = [];
  const code = await new Promise<number | string | null>((resolve, reject) => {
    const mvn = spawn(
      'mvn',
      ['-q', '-B', '-Dstyle.color=never', '-f', path.join(ENGINE_DIR, 'pom.xml'), 'package'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        // Bounded: a stalled download must fail the build, not hang a test run or CI.
        timeout: timeoutMs,
      },
    );
    const collect = (chunk: Buffer) => {
      // Debian's mvn prints colour resets even with -B: keep the words only.
      for (const line of stripVTControlCharacters(chunk.toString()).split('\n')) {
        if (!line.trim()) continue;
        output.push(line);
        log(line);
      }
    };
    mvn.stdout.on('data', collect);
    mvn.stderr.on('data', collect);
    mvn.on('error', reject);
    mvn.on('close', (exitCode, signal) => resolve(signal ? `${exitCode} after ${signal}` : exitCode));
  });
  if (code !== 0) {
    throw new Error(`search-engine build failed (mvn exit ${code}):\n${output.slice(-40).join('\n')}`);
  }
  writeFileSync(STAMP, `${hash}\n`);
}

export interface EngineOptions {
  port: number;
  /** Its data and logs; search-engine/data when not given. */
  dataDir?: string;
}

/** Starts the built launcher; the caller decides where its output goes and stops it with a signal. */
export function spawnEngine(
  { port, dataDir }: EngineOptions,
  stdio: 'inherit' | ['ignore', number | 'pipe', number | 'pipe'],
): ChildProcess {
  const args = [
    ...ENGINE_JAVA_OPTIONS,
    // java expands the wildcard itself: no shell between us and the JVM, so signals reach it.
    '-cp',
    [path.join(TARGET, 'classes'), path.join(TARGET, 'lib', '*')].join(path.delimiter),
    MAIN_CLASS,
    '--port',
    String(port),
    ...(dataDir ? ['--data', dataDir] : []),
  ];
  return spawn('java', args, { stdio });
}

/**
 * Polls `_cluster/health?wait_for_status=yellow` until it answers 200, within `timeoutMs`. Fails
 * at once when `child` exits first: a start-up error is not a slow start.
 */
export async function waitForEngine(url: string, timeoutMs: number, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: string | null = null;
  const onExit = (code: number | null, signal: string | null) => {
    exited = signal ? `signal ${signal}` : `exit code ${code}`;
  };
  child?.once('exit', onExit);
  try {
    for (;;) {
      if (exited) throw new Error(`the search engine stopped before it answered (${exited})`);
      try {
        const res = await fetch(`${url}/_cluster/health?wait_for_status=yellow&timeout=1s`, {
          signal: AbortSignal.timeout(3_000),
        });
        if (res.ok) return;
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline) throw new Error(`no healthy cluster at ${url} within ${timeoutMs / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  } finally {
    child?.off('exit', onExit);
  }
}

async function main() {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '9200' },
      data: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write('usage: npm run search:engine -- [--port 9200] [--data <dir>]\n');
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`--port must be a number from 1 to 65535, got '${values.port}'`);
  }
  for (const command of ['java', 'mvn']) {
    if (!onPath(command))
      throw new Error(`${command} is not on PATH: the search engine needs Java 17 and Maven`);
  }
  if (!engineIsBuilt()) {
    process.stdout.write('search-engine: building (mvn package; the first build downloads ~50 MB)\n');
    const started = Date.now();
    await buildEngine((line) => process.stdout.write(`  ${line}\n`));
    process.stdout.write(`search-engine: built in ${Math.round((Date.now() - started) / 1000)} s\n`);
  }
  const dataDir = values.data ? path.resolve(values.data) : undefined;
  const child = spawnEngine({ port, dataDir }, 'inherit');
  const url = `http://127.0.0.1:${port}`;

  // Ctrl-C reaches the whole process group, java included; a SIGTERM sent to this process alone
  // (npm, a supervisor) is passed on, so the node never outlives us.
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    child.kill(signal);
    setTimeout(() => child.kill('SIGKILL'), 30_000).unref();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGHUP', () => stop('SIGTERM'));

  const exit = new Promise<number>((resolve) =>
    child.on('exit', (code, signal) => resolve(stopping ? 0 : (code ?? (signal ? 1 : 0)))),
  );
  waitForEngine(url, 180_000, child).then(
    () => process.stdout.write(`search-engine: ready at ${url} (OPENSEARCH_URL=${url}); Ctrl-C stops it\n`),
    (err: Error) => {
      if (!stopping) process.stderr.write(`search-engine: ${err.message}\n`);
    },
  );
  process.exitCode = await exit;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((err: Error) => {
    process.stderr.write(`search-engine: ${err.message}\n`);
    process.exit(1);
  });
}
