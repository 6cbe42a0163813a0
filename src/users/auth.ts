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
    if (token) {
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
