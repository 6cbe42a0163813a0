import type { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { createApp } from './app.js';
import type { Container } from './container.js';
import { AUTOVACUUM_OFF, autovacuumOff } from './db/index.js';
import { startBackgroundJobs } from './jobs/index.js';

export interface StopOptions {
  /**
   * Answer /readyz with 503 for SHUTDOWN_DRAIN before closing the listener (default true): what a
   * balancer needs to stop sending new requests first. Without a balancer to drain to (Ctrl-C on
   * a process, or the whole fleet stopping) the wait only delays the stop.
   */
  drain?: boolean;
}

export interface RunningServer {
  server: Server;
  url: string;
  /** True from the moment stop() is called: /readyz answers 503. */
  readonly draining: boolean;
  stop(options?: StopOptions): Promise<void>;
}

/**
 * Starts HTTP and the background workers. stop() drains in this order: /readyz turns 503 while
 * every other request is still served (SHUTDOWN_DRAIN, so the balancer takes the process out of
 * rotation before its port closes); the listener closes and requests in flight answer (up to
 * SHUTDOWN_TIMEOUT: checkouts in a batch commit and reply); then the background jobs stop, and
 * last the pools close.
 */
export async function startServer(
  container: Container,
  port = container.config.http.port,
): Promise<RunningServer> {
  let draining = false;
  let closing = false;
  const app = createApp(container, { draining: () => draining });
  const server = app.listen(port, container.config.http.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  // Longer than a typical load balancer's idle timeout, so it never closes a connection it is reusing.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  // Once the listener is closed, a kept-alive connection is closed after the answer it carries, so
  // the balancer opens its next one to a process that is staying.
  server.on('request', (_req, res) => {
    if (closing) res.shouldKeepAlive = false;
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;

  const jobs = container.config.jobs.enabled ? startBackgroundJobs(container) : null;
  // Said once at start, where an operator reads: the store runs, but degrades as its tables grow.
  autovacuumOff(container.db).then(
    (off) => off && container.logger.warn(AUTOVACUUM_OFF),
    () => {},
  );
  const { drainMs, timeoutMs } = container.config.shutdown;

  let stopping: Promise<void> | undefined;
  return {
    server,
    url: `http://localhost:${actualPort}`,
    get draining() {
      return draining;
    },
    stop({ drain = true }: StopOptions = {}) {
      stopping ??= (async () => {
        draining = true;
        if (drain && drainMs > 0) {
          container.logger.info({ ms: drainMs }, 'draining: /readyz answers 503, still serving');
          await sleep(drainMs);
        }
        closing = true;
        await new Promise<void>((resolve) => {
          const late = setTimeout(() => {
            container.logger.warn(
              { ms: timeoutMs },
              'requests still in flight at SHUTDOWN_TIMEOUT: closing them',
            );
            server.closeAllConnections();
          }, timeoutMs);
          late.unref();
          server.close(() => {
            clearTimeout(late);
            resolve();
          });
          server.closeIdleConnections();
        });
        await jobs?.stop();
        await container.close();
      })();
      return stopping;
    },
  };
}
