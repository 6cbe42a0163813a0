import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import amqp, { type ChannelModel, type ConsumeMessage } from 'amqplib';
import type { EventEnvelope } from '../../src/events/envelope.js';
import { EVENTS_EXCHANGE } from '../../src/events/topology.js';

const run = promisify(execFile);

/** The broker the tests use: AMQP_URL when set, else the local RabbitMQ. */
export const brokerUrl = () => process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/**
 * A virtual host of its own per test file (rabbitmqctl), so the durable queues the topology
 * declares start empty and are gone afterwards; the URL points into it.
 */
export async function createVhost(name: string): Promise<{ url: string; drop(): Promise<void> }> {
  await run('rabbitmqctl', ['add_vhost', name]);
  await run('rabbitmqctl', ['set_permissions', '-p', name, 'guest', '.*', '.*', '.*']);
  const url = new URL(brokerUrl());
  url.pathname = `/${encodeURIComponent(name)}`;
  return {
    url: url.toString(),
    async drop() {
      await run('rabbitmqctl', ['delete_vhost', name]);
    },
  };
}

/** Stops the broker's application (the node stays up), as an outage would. */
export const stopBroker = () => run('rabbitmqctl', ['stop_app']);
export async function startBroker() {
  await run('rabbitmqctl', ['start_app']);
  await run('rabbitmqctl', ['await_startup']);
}

/** Collects every event the exchange routes to a durable test queue bound to `#`. */
export async function eventTap(url: string, queue: string) {
  let connection: ChannelModel | null = null;
  const seen: EventEnvelope[] = [];
  async function open() {
    connection = await amqp.connect(url);
    connection.on('error', () => undefined);
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    await channel.assertExchange(EVENTS_EXCHANGE, 'topic', { durable: true });
    await channel.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    await channel.bindQueue(queue, EVENTS_EXCHANGE, '#');
    await channel.consume(queue, (msg: ConsumeMessage | null) => {
      if (!msg) return;
      seen.push(JSON.parse(msg.content.toString()) as EventEnvelope);
      channel.ack(msg);
    });
  }
  await open();
  return {
    seen,
    /** Re-attaches after a broker restart. */
    reopen: open,
    async waitFor(count: number, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      while (seen.length < count && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      return seen;
    },
    async close() {
      await connection?.close().catch(() => undefined);
    },
  };
}
