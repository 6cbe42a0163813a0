/**
 * The store as a fleet on this machine: HAProxy on PORT in front of N service processes on
 * PORT+1 … PORT+N, configured by deploy/haproxy/haproxy.cfg (the same file docker compose uses).
 *
 *   npm run fleet                                # 2 processes, http://localhost:3000
 *   npm run fleet -- --instances 3 --products 100000
 *   npm run fleet -- --instances 3 --replica     # browse reads from the local streaming replica
 *
 * Like `npm run demo`, the store is created, migrated and seeded (when empty) once, here, before
 * any process starts; the processes then find nothing to do (their own migrate waits on the same
 * advisory lock and applies nothing). Each runs with TRUST_PROXY_HOPS=1 (the client address is
 * HAProxy's X-Forwarded-For entry) and its background jobs on, which are safe side by side
 * (src/jobs/CONTEXT.md). Ctrl-C stops the processes (SIGINT: in-flight requests answer, no drain
 * wait, the balancer goes too), then HAProxy. A process killed by hand is taken out of rotation
 * by the health checks; the fleet keeps serving on the others.
 * test/integration/fleet.test.ts drives the functions exported here.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const HAPROXY_CONFIG = path.join(ROOT, 'deploy/haproxy/haproxy.cfg');

/** Whether HAProxy is installed (Debian's package: `apt-get install haproxy`). */
export function haproxyPresent(): boolean {
  return spawnSync('haproxy', ['-v'], { stdio: 'ignore' }).status === 0;
}

/** The servers file the local fleet gives HAProxy after haproxy.cfg: one line per process. */
export function serversConfig(ports: number[], host = '127.0.0.1'): string {
  return [
    '# Written by scripts/fleet.ts: the local processes behind HAProxy.',
    'backend shop from shop-servers',
    ...ports.map((port, i) => `    server shop${i + 1} ${host}:${port}`),
    '',
  ].join('\n');
}

export interface Proc {
  name: string;
  child: ChildProcess;
  /** Resolves with the exit code (or the signal's name) once the process is gone. */
  exited: Promise<number | string>;
  /** Output lines so far (kept for failures and tests). */
  output: string[];
}

function track(name: string, child: ChildProcess, echo?: (line: string) => void): Proc {
  const output: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream }).on('line', (line) => {
      output.push(line);
      if (output.length > 2_000) output.shift();
      echo?.(`${name} | ${line}`);
    });
  }
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  return { name, child, exited, output };
}

/**
 * Starts HAProxy in the foreground (-db) with the project's config and the given servers; resolves
 * once its listener answers. `bind` and `statsBind` are host:port.
 */
export async function startHaproxy({
  ports,
  bind,
  statsBind,
  echo,
}: {
  ports: number[];
  bind: string;
  statsBind: string;
  echo?: (line: string) => void;
}): Promise<Proc & { statsUrl: string; stop(): Promise<void> }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'shop-fleet-'));
  const servers = path.join(dir, 'servers.cfg');
  writeFileSync(servers, serversConfig(ports));
  const child = spawn('haproxy', ['-W', '-db', '-f', HAPROXY_CONFIG, '-f', servers], {
    env: { ...process.env, SHOP_BIND: bind, SHOP_STATS_BIND: statsBind },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const proc = track('haproxy', child, echo);
  const statsUrl = `http://${statsBind}/`;
  await waitFor(
    () => fetch(`${statsUrl};csv`, { signal: AbortSignal.timeout(1_000) }).then((r) => r.ok),
    proc,
    10_000,
  );
  return {
    ...proc,
    statsUrl,
    async stop() {
      child.kill('SIGTERM');
      await proc.exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Each server of `backend shop` as HAProxy's stats page shows it: UP, DOWN, MAINT, … and its 2xx count. */
export async function serverStates(statsUrl: string): Promise<Map<string, { status: string; ok: number }>> {
  const csv = await (await fetch(`${statsUrl};csv`, { signal: AbortSignal.timeout(2_000) })).text();
  const [head = '', ...rows] = csv.split('\n');
  const columns = head.replace(/^# /, '').split(',');
  const at = (name: string) => columns.indexOf(name);
  const states = new Map<string, { status: string; ok: number }>();
  for (const row of rows) {
    const cells = row.split(',');
    if (cells[at('pxname')] !== 'shop' || ['FRONTEND', 'BACKEND'].includes(cells[at('svname')] ?? ''))
      continue;
    if (!cells[at('svname')]) continue;
    states.set(cells[at('svname')]!, {
      status: cells[at('status')] ?? '',
      ok: Number(cells[at('hrsp_2xx')] ?? 0),
    });
  }
  return states;
}

/**
 * Starts one service process (bin/server.ts) on 127.0.0.1:port behind the balancer and resolves
 * once its /readyz answers 200. Its own process group: Ctrl-C reaches the fleet, which stops it.
 */
export async function startService({
  name,
  port,
  env,
  echo,
}: {
  name: string;
  port: number;
  env: Record<string, string | undefined>;
  echo?: (line: string) => void;
}): Promise<Proc & { url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/server.ts'], {
    cwd: ROOT,
    env: { ...process.env, ...env, HOST: '127.0.0.1', PORT: String(port), TRUST_PROXY_HOPS: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const proc = track(name, child, echo);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    () => fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1_000) }).then((r) => r.status === 200),
    proc,
    60_000,
  );
  return { ...proc, url };
}

/** Polls `ready` until true; fails at once if the process exits first, naming its last output. */
async function waitFor(ready: () => Promise<boolean>, proc: Proc, timeoutMs: number) {
  let exit: number | string | undefined;
  void proc.exited.then((code) => {
    exit = code;
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exit !== undefined) {
      throw new Error(
        `${proc.name} exited (${exit}) before it was ready:\n${proc.output.slice(-20).join('\n')}`,
      );
    }
    if (await ready().catch(() => false)) return;
    await sleep(100);
  }
  proc.child.kill('SIGKILL');
  throw new Error(`${proc.name} was not ready within ${timeoutMs} ms:\n${proc.output.slice(-20).join('\n')}`);
}

/** Sends `signal` and waits for the exit, SIGKILL after `graceMs`. */
export async function stopProc(proc: Proc, signal: NodeJS.Signals = 'SIGTERM', graceMs = 15_000) {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return proc.exited;
  proc.child.kill(signal);
  const late = setTimeout(() => proc.child.kill('SIGKILL'), graceMs);
  try {
    return await proc.exited;
  } finally {
    clearTimeout(late);
  }
}

/**
 * `--replica`: the local streaming replica of scripts/replica.ts, started (made once) and its URL
 * for this database. Loaded when asked for, so the fleet runs where the replica tools are missing.
 */
async function replicaUrlFor(databaseUrl: string, say: (line: string) => void): Promise<string> {
  const replica = (await import('./replica.js')) as {
    ensureReplica(options?: { say?: (line: string) => void }): Promise<string>;
  };
  const base = await replica.ensureReplica({ say });
  return `${base}${new URL(databaseUrl).pathname}`;
}

async function main() {
  const { values } = parseArgs({
    options: {
      instances: { type: 'string', default: '2' },
      products: { type: 'string', default: '10000' },
      replica: { type: 'boolean', default: false },
      'stats-port': { type: 'string', default: '8404' },
    },
  });
  const instances = Number(values.instances);
  const products = Number(values.products);
  if (!Number.isInteger(instances) || instances < 1 || instances > 32) {
    throw new Error(`--instances must be a whole number from 1 to 32, got "${values.instances}"`);
  }
  if (!Number.isInteger(products) || products < 1) {
    throw new Error(`--products must be a whole number of at least 1, got "${values.products}"`);
  }
  if (!haproxyPresent()) {
    throw new Error('haproxy is not installed: apt-get install -y haproxy (Debian) or your system package');
  }
  const say = (line: string) => process.stdout.write(`${line}\n`);

  // Loaded here so a bad configuration is reported as such before anything starts.
  const { ConfigError, loadConfig } = await import('../src/config.js');
  const { createContainer } = await import('../src/container.js');
  const { ensureDatabase, migrateLatest } = await import('../src/db/index.js');
  const { prepareDemoStore } = await import('../seeds/prepare-demo.js');
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) throw new Error(err.message);
    throw err;
  }
  if (config.env === 'production')
    throw new Error('The fleet runs the demo store: not with NODE_ENV=production.');

  // Once, before any process: create, migrate, seed; the tokens minted are valid in every process.
  if (await ensureDatabase(config.db.url)) say('created database');
  const setup = createContainer(config);
  let banner: (url: string) => string;
  try {
    const applied = await migrateLatest(setup.db);
    if (applied.length) say(`migrations applied: ${applied.length}`);
    banner = (await prepareDemoStore(setup, { products })).banner;
  } finally {
    await setup.close();
  }

  const env: Record<string, string> = {};
  if (values.replica) env.DATABASE_REPLICA_URL = await replicaUrlFor(config.db.url, say);

  const base = config.http.port;
  const ports = Array.from({ length: instances }, (_, i) => base + 1 + i);
  const services: Proc[] = [];
  let haproxy: Awaited<ReturnType<typeof startHaproxy>> | undefined;
  let stopping = false;
  const stopAll = async () => {
    if (stopping) return;
    stopping = true;
    say('\nstopping the fleet');
    // The whole fleet goes: no balancer to drain to, so SIGINT (requests in flight still answer).
    await Promise.all(services.map((s) => stopProc(s, 'SIGINT')));
    await haproxy?.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stopAll());
  process.on('SIGTERM', () => void stopAll());
  // Never leave processes behind if this one fails.
  process.on('exit', () => {
    for (const p of [...services, ...(haproxy ? [haproxy] : [])]) p.child.kill('SIGKILL');
  });

  say(`starting ${instances} service process(es) on ports ${ports.join(', ')}`);
  const echo = (line: string) => process.stdout.write(`${line}\n`);
  const started = await Promise.allSettled(
    ports.map((port, i) => startService({ name: `shop${i + 1}`, port, env, echo })),
  );
  for (const s of started) if (s.status === 'fulfilled') services.push(s.value);
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    await Promise.all(services.map((s) => stopProc(s, 'SIGINT')));
    throw (failed as PromiseRejectedResult).reason;
  }
  for (const s of services) {
    void s.exited.then((code) => {
      if (!stopping) say(`${s.name} exited (${code}): HAProxy takes it out of rotation`);
    });
  }
  const statsBind = `127.0.0.1:${values['stats-port']}`;
  haproxy = await startHaproxy({ ports, bind: `${config.http.host}:${base}`, statsBind, echo });
  void haproxy.exited.then((code) => {
    if (!stopping) {
      say(`haproxy exited (${code}); stopping the fleet`);
      void stopAll();
    }
  });

  const url = `http://localhost:${base}`;
  process.stdout.write(banner(url));
  say(`HAProxy on ${url} in front of ${instances} processes; its stats at http://${statsBind}/`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((err) => {
    process.stderr.write(`fleet: ${(err as Error).message ?? err}\n`);
    process.exit(1);
  });
}
