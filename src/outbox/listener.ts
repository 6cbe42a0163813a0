import pg from 'pg';
import { reconnectWithBackoff } from '../shared/backoff.js';
import type { Logger } from '../shared/logger.js';

/** The channel the outbox_events insert trigger notifies (migration 20261202000001). */
export const OUTBOX_CHANNEL = 'outbox_events';

/**
 * Holds one connection that LISTENs for new outbox events (or those of another insert trigger's
 * `channel`) and calls `onEvents` for each notification, so a new order's payment starts within milliseconds instead of at the next poll.
 * A lost connection is re-opened with a back-off; meanwhile polling still finds every event.
 */
export function listenForOutboxEvents(
  url: string,
  onEvents: () => void,
  logger: Logger,
  channel = OUTBOX_CHANNEL,
) {
  let client: pg.Client | undefined;
  // Stopped, it schedules nothing more: close() needs no flag of its own.
  const retry = reconnectWithBackoff(() => void connect());

  async function connect() {
    const c = new pg.Client({ connectionString: url, application_name: `shop-listener-${channel}` });
    client = c;
    c.on('notification', () => onEvents());
    c.on('error', (err) => {
      logger.warn({ err }, 'outbox listener connection lost; polling until it is back');
      c.end().catch(() => undefined);
      if (client === c) retry.schedule();
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${channel}`);
      retry.succeeded();
      // Events written while it was not listening: look now.
      onEvents();
    } catch (err) {
      logger.warn({ err }, 'outbox listener could not connect; polling until it can');
      c.end().catch(() => undefined);
      if (client === c) retry.schedule();
    }
  }
  void connect();

  return {
    async close() {
      retry.stop();
      await client?.end().catch(() => undefined);
    },
  };
}
