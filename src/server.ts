import type { Server } from 'node:http';
import { createApp } from './app.js';
import type { Container } from './container.js';
import { startBackgroundJobs } from './jobs/index.js';

export interface RunningServer {
  server: Server;
  url: string;
  stop(): Promise<void>;
}

/** Starts HTTP (and, later, the background workers); stop() closes the listener first, then drains pools. */
export async function startServer(
  container: Container,
  port = container.config.http.port,
): Promise<RunningServer> {
  const app = createApp(container);
  const server = app.listen(port, container.config.http.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  // Longer than a typical load balancer's idle timeout, so it never closes a connection it is reusing.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;

  const jobs = container.config.jobs.enabled ? startBackgroundJobs(container) : null;

  let stopping: Promise<void> | undefined;
  return {
    server,
    url: `http://localhost:${actualPort}`,
    stop() {
      stopping ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
        await jobs?.stop();
        await container.close();
      })();
      return stopping;
    },
  };
}
