import { loadConfig } from '../src/config.js';
import { type Container, createContainer } from '../src/container.js';
import { createLogger } from '../src/shared/logger.js';

export interface GlobalOptions {
  json?: boolean;
}

/** A container for one command: quiet logs (stderr only on warnings), closed when the command ends. */
export async function withContainer<T>(fn: (c: Container) => Promise<T>): Promise<T> {
  const config = loadConfig({ ...process.env, WORKERS: 'false' });
  const container = createContainer(config, {
    logger: createLogger(process.env.LOG_LEVEL ?? 'warn', {}).child({ cli: true }),
  });
  try {
    return await fn(container);
  } finally {
    await container.close();
  }
}

export function print(json: boolean | undefined, data: unknown, human: () => string) {
  process.stdout.write(json ? `${JSON.stringify(data, null, 2)}\n` : `${human()}\n`);
}

/** Raised for a failure the user can fix; printed without a stack trace, exit code 1. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}
