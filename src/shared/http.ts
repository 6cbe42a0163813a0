// The API's request: its state, its router, the caller. Reading input is `input.ts`; the
// middleware every request passes through is `middleware.ts`.
import Router from '@koa/router';
import type Koa from 'koa';
import { DomainError } from './errors.js';
import type { Logger } from './logger.js';

export interface AuthUser {
  id: string;
  email: string;
  role: 'customer' | 'admin';
}

export interface AppState {
  requestId: string;
  logger: Logger;
  user?: AuthUser;
  /** The hash of the bearer token the request came with (logout revokes it). */
  tokenHash?: string;
}

export type AppContext = Koa.ParameterizedContext<AppState>;

/**
 * Every router of the API. Paths match as spelt: with case-insensitive routes a guard registered
 * with `router.use` (a case-sensitive layer) was skipped by `/Admin/users`; spelt another way, a
 * path is now simply not a route.
 */
export const createRouter = (prefix?: string) => new Router<AppState>({ prefix, sensitive: true });

/** The signed-in caller, or a 401: a handler never dereferences a user its guard did not load. */
export function signedInUser(ctx: AppContext): AuthUser {
  const user = ctx.state.user;
  if (!user) {
    throw new DomainError('unauthorized', 'Authentication required: send Authorization: Bearer <token>');
  }
  return user;
}

/**
 * The header that names a guest's cart: the cart reads it, and so does sign-in (users), which folds
 * that cart into the user's.
 */
export const CART_TOKEN_HEADER = 'x-cart-token';
