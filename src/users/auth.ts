import type Koa from 'koa';
import { DomainError } from '../shared/errors.js';
import type { AppState } from '../shared/http.js';
import { hashToken } from './passwords.js';
import type { Role } from './schemas.js';
import type { UserService } from './service.js';

function bearer(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) throw new DomainError('unauthorized', 'Authorization header must be "Bearer <token>"');
  return match[1]!;
}

/** Sets ctx.state.user when a valid token is sent; a bad token is a 401 even where auth is optional. */
export function optionalAuth(users: UserService): Koa.Middleware<AppState> {
  return async (ctx, next) => {
    const token = bearer(ctx.get('authorization') || undefined);
    // An outer guard (the /admin door) has loaded this request's caller already.
    if (token && !ctx.state.user) {
      const user = await users.authenticate(token);
      if (!user) throw new DomainError('unauthorized', 'Token is invalid, expired or revoked');
      ctx.state.user = user;
      ctx.state.tokenHash = hashToken(token);
    }
    await next();
  };
}

export function requireAuth(users: UserService, role?: Role): Koa.Middleware<AppState> {
  const load = optionalAuth(users);
  return (ctx, next) =>
    load(ctx, async () => {
      const user = ctx.state.user;
      if (!user)
        throw new DomainError('unauthorized', 'Authentication required: send Authorization: Bearer <token>');
      if (role && user.role !== role) throw new DomainError('forbidden', `This needs the ${role} role`);
      await next();
    });
}

/**
 * The path as a lenient server, proxy or future router might read it: percent-escapes decoded
 * (twice-encoded ones too), case folded, doubled slashes and `/./` segments collapsed.
 */
export function canonicalPath(path: string): string {
  let decoded = path;
  for (let i = 0; i < 3; i++) {
    let next: string;
    try {
      next = decodeURIComponent(decoded);
    } catch {
      break;
    }
    if (next === decoded) break;
    decoded = next;
  }
  return decoded
    .toLowerCase()
    .replace(/\\/g, '/')
    .replace(/\/{2,}/g, '/')
    .replace(/\/\.(?=\/|$)/g, '');
}

/**
 * The admin API's outer door, in front of every router: whatever the spelling of a path under
 * `prefix`, it needs an admin before any route is looked up. The admin router guards itself too;
 * this holds if a route is ever added without its guard, or a router is built case-insensitive.
 */
export function requireRoleUnder(prefix: string, users: UserService, role: Role): Koa.Middleware<AppState> {
  const under = new RegExp(`^${prefix}(?![\\w-])`);
  const guard = requireAuth(users, role);
  return (ctx, next) => (under.test(canonicalPath(ctx.path)) ? guard(ctx, next) : next());
}
