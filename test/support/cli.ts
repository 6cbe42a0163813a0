import { execFileSync, spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { postCheckout, shopperWithCart } from './checkout.js';
import { baseUrls, type TestContext } from './context.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// biome-ignore lint/suspicious/noExplicitAny: assertions read parsed JSON freely
export type Json = any;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  json(): Json;
}

/** The environment shopctl gets: the test's own database, Redis prefix and a fixed actor. */
export function cliEnv(t: TestContext, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    DATABASE_URL: t.databaseUrl,
    REDIS_URL: baseUrls().redisUrl,
    REDIS_PREFIX: t.container.cache.prefix,
    LOG_LEVEL: 'silent',
    SHOPCTL_ACTOR: 'tester',
    SANDBOX_LATENCY: '0',
    ...extra,
  };
}

/** Runs `shopctl ...args` as a real process (stdin a pipe, so never a terminal). */
export function shopctl(
  t: TestContext,
  args: string[],
  opts: { env?: Record<string, string>; input?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bin/shopctl.ts', ...args], {
      cwd: ROOT,
      env: cliEnv(t, opts.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.stdin.end(opts.input ?? '');
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code: code ?? (signal ? 128 : 1),
        stdout,
        stderr,
        json() {
          try {
            return JSON.parse(stdout);
          } catch {
            throw new Error(
              `shopctl ${args.join(' ')} did not print JSON (exit ${code}):\n${stdout}\n${stderr}`,
            );
          }
        },
      });
    });
  });
}

/**
 * A checked-out order after the outbox worker ran: PAID, or with `pay: false` still PENDING (the
 * card asks for authentication, so later drains leave it alone too).
 */
export async function placeOrder(
  t: TestContext,
  lines: { product_id: number; quantity: number }[],
  { pay = true } = {},
): Promise<string> {
  const shopper = await shopperWithCart(t, lines);
  const res = await postCheckout(t, shopper, {
    payment_method: pay ? 'pm_card_visa' : 'pm_card_authenticationRequired',
  }).expect(201);
  await t.container.worker.drain();
  return res.body.order_id;
}

/** A tmux server of our own (its own socket), to drive the interactive menu in a real pseudo-terminal. */
export function tmuxSession(socket: string) {
  const env = { ...process.env, TMUX: '' };
  const tmux = (...args: string[]) =>
    execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8', env });
  const screen = () => tmux('capture-pane', '-p', '-J', '-t', 'menu', '-S', '-500');
  return {
    start(command: string) {
      tmux('new-session', '-d', '-s', 'menu', '-x', '160', '-y', '50', command);
    },
    keys: (...keys: string[]) => tmux('send-keys', '-t', 'menu', ...keys),
    screen,
    /** Waits until the screen shows `pattern` `times` times; returns the screen. */
    async waitFor(pattern: RegExp, times = 1, timeoutMs = 20_000) {
      const until = Date.now() + timeoutMs;
      const global = new RegExp(pattern.source, `${pattern.flags.replace('g', '')}g`);
      for (;;) {
        const text = screen();
        if ((text.match(global) ?? []).length >= times) return text;
        if (Date.now() > until)
          throw new Error(`timed out waiting for ${pattern} x${times}; screen:\n${text}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    stop() {
      try {
        tmux('kill-server');
      } catch {
        // Already gone.
      }
    },
  };
}

export const hasTmux = () => spawnSync('tmux', ['-V']).status === 0;

/** A shell command line with the environment inline (tmux starts it under its own server's env). */
export function shellCommand(env: Record<string, string>, args: string[]) {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const vars = Object.entries(env).map(([k, v]) => `${k}=${quote(v)}`);
  return `cd ${quote(ROOT)} && env ${vars.join(' ')} ${quote(process.execPath)} --import tsx bin/shopctl.ts ${args.map(quote).join(' ')}; echo "[exit $?]"; sleep 60`;
}
