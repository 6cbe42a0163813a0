import { userInfo } from 'node:os';
import { CommanderError } from 'commander';
import pino from 'pino';
import { z } from 'zod';
import { ConfigError, loadConfig } from '../src/config.js';
import { type Container, createContainer } from '../src/container.js';
import type { Actor } from '../src/orders/index.js';
import { DomainError } from '../src/shared/errors.js';
import { createLogger } from '../src/shared/logger.js';
import { describeIssues } from '../src/shared/zod.js';
import { forTerminal, toJson } from './format.js';

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
  const logger = createLogger(
    process.env.LOG_LEVEL ?? 'warn',
    { cli: true },
    pino.destination({ fd: 2, sync: true }),
  );
  const container = createContainer(config, { logger });
  try {
    await container.cache.whenReady(1_500);
    return await fn(container);
  } finally {
    await container.close();
  }
}

/**
 * Text for a person: reports, previews, progress and errors (stderr by default), with every
 * control character made inert, since they quote customers, CSV files and the operator's input.
 */
export const printText = (text: string, to: NodeJS.WritableStream = process.stderr) =>
  to.write(`${forTerminal(text)}\n`);

/** Every report shopctl prints: JSON for scripts, text for a person, neither able to drive a terminal. */
export function print(json: boolean | undefined, data: unknown, human: () => string) {
  if (json) process.stdout.write(`${toJson(data, 2)}\n`);
  else printText(human(), process.stdout);
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
    if (err.message) printText(`error: ${err.message}`);
    return err.exitCode;
  }
  if (err instanceof z.ZodError) {
    printText(`error: invalid input: ${describeIssues(err, { root: 'input' })}`);
    return 1;
  }
  if (err instanceof DomainError || err instanceof ConfigError) {
    printText(`error: ${err.message}`);
    return 1;
  }
  if ((err as Error)?.name === 'ExitPromptError') return 130;
  printText(`error: ${(err as Error)?.stack ?? err}`);
  return 1;
}
