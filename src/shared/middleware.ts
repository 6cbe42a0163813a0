import { randomUUID } from 'node:crypto';
import { isIPv6 } from 'node:net';
import type Koa from 'koa';
import type { Histogram } from 'prom-client';
import { z } from 'zod';
import { DomainError, errorBody, isUniqueViolation } from './errors.js';
import type { AppContext, AppState } from './http.js';
import type { Logger } from './logger.js';
import type { LimitName } from './rate-limits.js';
import { formatIssues } from './zod.js';

/**
 * The key a client's address is counted under: an IPv4 address as it is (an IPv4-mapped IPv6
 * one unwrapped), an IPv6 address by its /64, the block one subscriber is given, so a client
 * cannot walk through 2^64 addresses of its own to reset a limit.
 */
export function clientKey(ctx: AppContext): string {
  return addressKey(ctx.ip);
}

export function addressKey(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (!isIPv6(ip)) return ip;
  // A zone (fe80::1%eth0) names an interface, and a trailing dotted quad is two groups.
  const bare = ip
    .replace(/%.*$/, '')
    .replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_, a, b, c, d) =>
      [(+a << 8) | +b, (+c << 8) | +d].map((n) => n.toString(16)).join(':'),
    );
  const [head = '', tail = ''] = bare.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = bare.includes('::')
    ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => Number.parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** Keeps a caller's X-Request-Id when it is sane, else makes one; every log line of the request carries it. */
export function requestContext(logger: Logger): Koa.Middleware<AppState> {
  return async (ctx, next) => {
    const incoming = ctx.get('x-request-id');
    const requestId = REQUEST_ID.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = requestId;
    ctx.state.logger = logger.child({ requestId });
    ctx.set('X-Request-Id', requestId);
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const level = ctx.status >= 500 ? 'error' : 'info';
      ctx.state.logger[level](
        { method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(ms * 10) / 10 },
        'request',
      );
    }
  };
}

/** Request latency by route template (never the raw path: ids would explode the label set). */
export function httpMetrics(histogram: Histogram<'method' | 'route' | 'status'>): Koa.Middleware<AppState> {
  return async (ctx, next) => {
    const end = histogram.startTimer();
    try {
      await next();
    } finally {
      const route = (ctx as { _matchedRoute?: string })._matchedRoute ?? 'unmatched';
      end({ method: ctx.method, route: String(route), status: String(ctx.status) });
    }
  };
}

/** The one place an error becomes an HTTP answer: {error: {code, message, details?}}. */
export function errorHandler(): Koa.Middleware<AppState> {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        throw new DomainError('not_found', `No route for ${ctx.method} ${ctx.path}`);
      }
      if (ctx.status === 405 && ctx.body === undefined) {
        throw new DomainError('method_not_allowed', `${ctx.method} is not allowed on ${ctx.path}`);
      }
    } catch (err) {
      const { status, code, message, details } = toErrorBody(err, ctx);
      ctx.status = status;
      ctx.body = errorBody({ code, message, details });
      const retryAfter = (details as { retry_after_seconds?: number } | undefined)?.retry_after_seconds;
      if ((status === 429 || status === 503) && retryAfter) ctx.set('Retry-After', String(retryAfter));
      // A DomainError is an answer chosen on purpose (a search refused under load): the request's
      // own line says 503, this one why, without a stack and below warn, not an error report for
      // every refused request while the store sheds load.
      if (status >= 500 && err instanceof DomainError)
        ctx.state.logger?.info({ code, details }, 'service unavailable');
      else if (status >= 500) ctx.state.logger?.error({ err }, 'unhandled error');
    }
  };
}

function toErrorBody(err: unknown, ctx: AppContext) {
  if (err instanceof DomainError) {
    return { status: err.status, code: err.code, message: err.message, details: err.details };
  }
  if (err instanceof z.ZodError) {
    const details = formatIssues(err, { unknownFields: true });
    const fields = [...new Set(details.map((d) => d.path || '(body)'))].join(', ');
    return { status: 400, code: 'validation_failed', message: `Invalid request: ${fields}`, details };
  }
  if (isUniqueViolation(err)) {
    return { status: 409, code: 'conflict', message: 'The resource already exists', details: undefined };
  }
  const httpErr = err as { status?: number; type?: string; expose?: boolean; message?: string };
  if (httpErr?.status === 413 || httpErr?.type === 'entity.too.large') {
    return {
      status: 413,
      code: 'payload_too_large',
      message: 'Request body is too large',
      details: undefined,
    };
  }
  if (httpErr?.status === 415) {
    return { status: 415, code: 'unsupported_media_type', message: 'Send JSON', details: undefined };
  }
  if (httpErr?.status === 400 && httpErr.expose) {
    return {
      status: 400,
      code: 'bad_request',
      message: httpErr.message ?? 'Bad request',
      details: undefined,
    };
  }
  return {
    status: 500,
    code: 'internal',
    message: `Internal error (request ${ctx.state.requestId ?? 'unknown'})`,
    details: undefined,
  };
}

/** Counts the request against a rate limit, keyed by what `key` picks (an IP, a user); 429 past it. */
export function rateLimit(
  limits: { consume(name: LimitName, key: string): Promise<void> },
  name: LimitName,
  key: (ctx: AppContext) => string,
): Koa.Middleware<AppState> {
  return async (ctx, next) => {
    await limits.consume(name, key(ctx));
    await next();
  };
}

/** Headers for a JSON API that no browser should render, frame or sniff, nor any cache store. */
export function securityHeaders(): Koa.Middleware<AppState> {
  return async (ctx, next) => {
    ctx.set({
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
      'Referrer-Policy': 'no-referrer',
      'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
      'Cross-Origin-Opener-Policy': 'same-origin',
    });
    if (ctx.secure) ctx.set('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    await next();
    // Tokens travel in answers (register, login, a guest's first cart line) and answers depend on
    // the credential sent: no cache keeps one. A route that may be cached says so itself.
    if (!ctx.response.get('Cache-Control')) ctx.set('Cache-Control', 'no-store');
  };
}
