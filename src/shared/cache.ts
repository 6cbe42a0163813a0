import { createClient } from 'redis';
import type { Logger } from './logger.js';

/**
 * Redis as a cache only: every call degrades to a miss (or a no-op) when Redis is down or slow,
 * so the service keeps answering from PostgreSQL. Keys are namespaced with a prefix so several
 * stores (or test runs) can share one Redis.
 */
export interface Cache {
  readonly prefix: string;
  getJson<T>(key: string): Promise<T | null>;
  setJson(key: string, value: unknown, ttlMs: number): Promise<void>;
  mgetJson<T>(keys: string[]): Promise<(T | null)[]>;
  /**
   * Stores `value` unless the cached copy already has a version >= `version`: writers that commit
   * in one order but reach Redis in another can never leave the older state behind.
   */
  setIfNewer(key: string, version: number, value: { version: number }, ttlMs: number): Promise<void>;
  /**
   * Stores `value` only if the generation counter `genKey` still reads `generation` (read before the
   * database query): a reader that raced an invalidation cannot put the old copy back.
   */
  setIfGeneration(
    key: string,
    genKey: string,
    generation: string,
    value: unknown,
    ttlMs: number,
  ): Promise<void>;
  del(...keys: string[]): Promise<void>;
  incr(key: string): Promise<number | null>;
  get(key: string): Promise<string | null>;
  /** Deletes every key under the prefix matching `pattern` (SCAN, never KEYS). */
  delPattern(pattern: string): Promise<number>;
  ping(): Promise<boolean>;
  readonly ready: boolean;
  /**
   * Resolves once connected, or after `ms` without (false): for a command or a test that should
   * reach Redis rather than run without it while the client is still connecting. Never throws.
   */
  whenReady(ms: number): Promise<boolean>;
  /** The underlying node-redis client, for libraries that keep their own keys (rate limits). */
  readonly client: ReturnType<typeof createClient>;
  close(): Promise<void>;
}

const SET_IF_NEWER = `
local current = redis.call('GET', KEYS[1])
if current then
  local ok, decoded = pcall(cjson.decode, current)
  if ok and type(decoded) == 'table' and tonumber(decoded.version) and tonumber(decoded.version) >= tonumber(ARGV[1]) then
    redis.call('PEXPIRE', KEYS[1], ARGV[3])
    return 0
  end
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1`;

const SET_IF_GENERATION = `
if (redis.call('GET', KEYS[2]) or '0') == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0`;

interface CacheOptions {
  url: string;
  prefix: string;
  commandTimeoutMs: number;
  logger: Logger;
}

export function createCache({ url, prefix, commandTimeoutMs, logger }: CacheOptions): Cache {
  const client = createClient({
    url,
    // Fail fast instead of queueing while disconnected: a cache must never make a request wait.
    disableOfflineQueue: true,
    socket: {
      connectTimeout: 1_000,
      reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 5_000),
    },
  });
  let lastWarn = 0;
  const warn = (err: unknown, what: string) => {
    const now = Date.now();
    if (now - lastWarn > 10_000) {
      lastWarn = now;
      logger.warn(
        { err: (err as Error)?.message ?? String(err) },
        `redis ${what} failed; serving without cache`,
      );
    }
  };
  client.on('error', (err) => warn(err, 'connection'));
  client.connect().catch((err) => warn(err, 'connect'));

  let closed = false;
  const k = (key: string) => prefix + key;

  async function guard<T>(
    what: string,
    fallback: T,
    op: () => Promise<T>,
    timeoutMs = commandTimeoutMs,
  ): Promise<T> {
    if (closed || !client.isReady) return fallback;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        op(),
        new Promise<T>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    } catch (err) {
      warn(err, what);
      return fallback;
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    client,
    prefix,
    get ready() {
      return client.isReady;
    },
    async whenReady(ms) {
      if (client.isReady) return true;
      let timer: NodeJS.Timeout | undefined;
      let onReady = () => {};
      const ready = new Promise<boolean>((resolve) => {
        onReady = () => resolve(true);
        client.once('ready', onReady);
        timer = setTimeout(() => resolve(client.isReady), ms);
      });
      return ready.finally(() => {
        clearTimeout(timer);
        client.off('ready', onReady);
      });
    },
    async getJson<T>(key: string) {
      const raw = await guard('get', null, () => client.get(k(key)));
      return raw === null ? null : (JSON.parse(raw) as T);
    },
    async setJson(key, value, ttlMs) {
      await guard('set', null, () => client.set(k(key), JSON.stringify(value), { PX: Math.max(1, ttlMs) }));
    },
    async mgetJson<T>(keys: string[]) {
      if (keys.length === 0) return [];
      const raw = await guard('mget', null, () => client.mGet(keys.map(k)));
      return raw ? raw.map((r) => (r === null ? null : (JSON.parse(r) as T))) : keys.map(() => null);
    },
    async setIfNewer(key, version, value, ttlMs) {
      await guard('set', null, () =>
        client.eval(SET_IF_NEWER, {
          keys: [k(key)],
          arguments: [String(version), JSON.stringify(value), String(Math.max(1, Math.round(ttlMs)))],
        }),
      );
    },
    async setIfGeneration(key, genKey, generation, value, ttlMs) {
      await guard('set', null, () =>
        client.eval(SET_IF_GENERATION, {
          keys: [k(key), k(genKey)],
          arguments: [generation, JSON.stringify(value), String(Math.max(1, Math.round(ttlMs)))],
        }),
      );
    },
    async del(...keys) {
      if (keys.length === 0) return;
      await guard('del', 0, () => client.del(keys.map(k)));
    },
    incr(key) {
      return guard('incr', null, () => client.incr(k(key)));
    },
    get(key) {
      return guard('get', null, () => client.get(k(key)));
    },
    async delPattern(pattern) {
      // A maintenance sweep, not a request's cache call: SCAN walks the whole keyspace, so it gets
      // a minute rather than the per-command budget.
      return guard(
        'scan',
        0,
        async () => {
          let deleted = 0;
          for await (const batch of client.scanIterator({ MATCH: k(pattern), COUNT: 1_000 })) {
            const keys = batch as unknown as string[];
            if (keys.length) deleted += await client.del(keys);
          }
          return deleted;
        },
        60_000,
      );
    },
    async ping() {
      return guard('ping', false, async () => (await client.ping()) === 'PONG');
    },
    async close() {
      if (closed) return;
      closed = true;
      // quit() never settles on a client that is still reconnecting (node-redis 5): drop it instead.
      if (client.isReady) await client.quit().catch(() => {});
      if (client.isOpen) client.destroy();
    },
  };
}
