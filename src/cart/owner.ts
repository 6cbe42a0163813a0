import { type AppContext, CART_TOKEN_HEADER } from '../shared/http.js';
import { clientKey } from '../shared/middleware.js';
import type { CartOwner } from './schemas.js';

/**
 * Whose cart a request is about: a signed-in shopper owns theirs; a guest is identified by the
 * X-Cart-Token they were given. Needs `optionalAuth` before it on the route.
 */
export function cartOwnerOf(ctx: AppContext): CartOwner {
  const user = ctx.state.user;
  return user
    ? { kind: 'user', userId: user.id }
    : { kind: 'guest', token: ctx.get(CART_TOKEN_HEADER) || null, address: clientKey(ctx) };
}
