import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Cache } from './cache.js';
import { DomainError } from './errors.js';
import type { Logger } from './logger.js';

/** The limits the API enforces, each counted per key (an IP, an account, a user). */
export const LIMITS = [
  'login_ip',
  'login_account',
  'register_ip',
  'checkout_user',
  'checkout_ip',
  'cart_user',
  'browse_ip',
  'guest_cart_ip',
  'payment_confirm_user',
  'password_user',
] as const;
export type LimitName = (typeof LIMITS)[number];

export interface LimitRule {
  points: number;
  durationMs: number;
}

export type RateLimits = ReturnType<typeof createRateLimits>;

/**
 * Fixed-window limits in Redis (rate-limiter-flexible), shared by every process. When Redis is
 * down, each process falls back to an in-memory limiter with the same rule: looser across a fleet,
 * but never unlimited. A rule of 0 points, or `enabled: false`, turns a limit off.
 */
export function createRateLimits({
  cache,
  prefix,
  rules,
  enabled,
  logger,
  onLimited,
}: {
  cache: Cache;
  prefix: string;
  rules: Record<LimitName, LimitRule>;
  enabled: boolean;
  logger: Logger;
  onLimited?: (name: LimitName) => void;
}) {
  const limiters = new Map(
    LIMITS.filter((name) => enabled && rules[name].points > 0).map((name) => {
      const { points, durationMs } = rules[name];
      const duration = Math.max(1, Math.ceil(durationMs / 1000));
      const limiter = new RateLimiterRedis({
        storeClient: cache.client,
        useRedisPackage: true,
        keyPrefix: `${prefix}rl:${name}`,
        points,
        duration,
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory({ keyPrefix: `rl:${name}`, points, duration }),
      });
      return [name, limiter] as const;
    }),
  );

  const refuse = (name: LimitName, res: RateLimiterRes) => {
    onLimited?.(name);
    const retryAfter = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
    return new DomainError('rate_limited', `Too many requests: try again in ${retryAfter} s`, {
      limit: name,
      retry_after_seconds: retryAfter,
    });
  };

  return {
    /** Counts one request against `name` for `key`; a 429 (rate_limited) once the window is full. */
    async consume(name: LimitName, key: string, points = 1): Promise<void> {
      const limiter = limiters.get(name);
      if (!limiter) return;
      try {
        await limiter.consume(key, points);
      } catch (err) {
        if (err instanceof RateLimiterRes) throw refuse(name, err);
        // The store and its insurance both failed: let the request through rather than fail it.
        logger.warn({ err, limit: name }, 'rate limiter unavailable');
      }
    },

    /** Refuses without counting when `key` has used up `name` already (e.g. failed logins of an account). */
    async check(name: LimitName, key: string): Promise<void> {
      const limiter = limiters.get(name);
      if (!limiter) return;
      const res = await limiter.get(key).catch(() => null);
      if (res && res.consumedPoints >= limiter.points) throw refuse(name, res);
    },

    /** Forgets a key's count (a successful login clears its account's failures). */
    async reset(name: LimitName, key: string) {
      await limiters
        .get(name)
        ?.delete(key)
        .catch(() => undefined);
    },
  };
}
