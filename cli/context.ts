import { userInfo } from 'node:os';
import { CommanderError } from 'commander';
import pino from 'pino';
import { z } from 'zod';
import { ConfigError, loadConfig } from '../src/config.js';
import { type Container, createContainer } from '../src/container.js';
import type { Actor } from '../src/orders/service.js';
import { DomainError } from '../src/shared/errors.js';
import { describeIssues } from '../src/shared/zod.js';

export interface GlobalOptions {
  json?: boolean;
}

/** Raised for a failure the user can fix; printed without a stack trace. An empty message prints nothing. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** Ends the command with a non-zero code after it has already printed its own report (audit, reconcile). */
export const exitQuietly = (code = 1) => new CliError('', code);

/**
 * A container for one command, closed when it ends. Logs go to stderr so stdout stays clean for
 * --json. Waits (bounded) for Redis, because a price or stock change must reach the cache
 * invalidation rather than be dropped while the client is still connecting.
 */
export async function withContainer<T>(fn: (c: Container) => Promise<T>): Promise<T> {
  // A command is not a request on the hot path: it can wait for Redis to take a bulk invalidation
  // (100k keys) rather than time out at the server's 250 ms and leave stale entries behind.
  const config = loadConfig({
    REDIS_COMMAND_TIMEOUT: '10s',
    ...process.env,
    WORKERS: 'false',
  });
  const logger = pino(
    { level: process.env.LOG_LEVEL ?? 'warn', base: { service: 'shop', cli: true } },
    pino.destination({ fd: 2, sync: true }),
  );
  const container = createContainer(config, { logger });
  try {
    const until = Date.now() + 1_500;
    while (!container.cache.ready && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    return await fn(container);
  } finally {
    await container.close();
  }
}

export function print(json: boolean | undefined, data: unknown, human: () => string) {
  process.stdout.write(json ? `${JSON.stringify(data, null, 2)}\n` : `${human()}\n`);
}

/** Who made a change, for the ledger and the admin audit log: cli:<SHOPCTL_ACTOR or the OS user>. */
export function cliActor(): string {
  let who = process.env.SHOPCTL_ACTOR?.trim();
  if (!who) {
    try {
      who = userInfo().username;
    } catch {
      // Containers often run under a uid with no passwd entry.
      who = process.env.USER ?? `uid-${process.getuid?.() ?? 'unknown'}`;
    }
  }
  return `cli:${who}`;
}

/** Order operations take the admin role, named like every other CLI change. */
export const cliAdmin = (): Actor => ({ userId: cliActor(), role: 'admin' });

/** Prints an error the way every shopctl command does and returns its exit code. */
export function reportError(err: unknown): number {
  // Commander has already printed its own message (or the help).
  if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
  if (err instanceof CliError) {
    if (err.message) process.stderr.write(`error: ${err.message}\n`);
    return err.exitCode;
  }
  if (err instanceof z.ZodError) {
    process.stderr.write(`error: invalid input: ${describeIssues(err, { root: 'input' })}\n`);
    return 1;
  }
  if (err instanceof DomainError || err instanceof ConfigError) {
    process.stderr.write(`error: ${err.message}\n`);
    return 1;
  }
  if ((err as Error)?.name === 'ExitPromptError') return 130;
  process.stderr.write(`error: ${(err as Error)?.stack ?? err}\n`);
  return 1;
}
