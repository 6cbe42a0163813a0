import { type AppContext, CART_TOKEN_HEADER, createRouter, signedInUser } from '../shared/http.js';
import { parseBody } from '../shared/input.js';
import { clientKey, rateLimit } from '../shared/middleware.js';
import type { RateLimits } from '../shared/rate-limits.js';
import { requireAuth } from './auth.js';
import { loginSchema, passwordChangeSchema, registerSchema } from './schemas.js';
import type { UserService } from './service.js';

/**
 * The cart's rule at sign-in: a guest's cart folds into the user's. The cart sits above users (its
 * routes authenticate through them), so it is handed in: the container's cart service.
 */
export interface GuestCarts {
  mergeGuestCart(guestToken: string, userId: string): Promise<string | null>;
}

/** Signing in with a guest's X-Cart-Token folds that cart into the user's. */
async function adoptGuestCart(ctx: AppContext, cart: GuestCarts, userId: string) {
  const token = ctx.get(CART_TOKEN_HEADER);
  return token ? cart.mergeGuestCart(token, userId) : null;
}

export function userRoutes({
  users,
  cart,
  rateLimits,
}: {
  users: UserService;
  cart: GuestCarts;
  rateLimits: RateLimits;
}) {
  const router = createRouter('/auth');

  router.get('/me', requireAuth(users), (ctx) => {
    ctx.body = ctx.state.user;
  });

  router.post('/register', rateLimit(rateLimits, 'register_ip', clientKey), async (ctx) => {
    const session = await users.register(parseBody(registerSchema, ctx));
    const cartId = await adoptGuestCart(ctx, cart, session.user_id);
    ctx.status = 201;
    ctx.body = cartId ? { ...session, cart_id: cartId } : session;
  });

  router.post('/login', rateLimit(rateLimits, 'login_ip', clientKey), async (ctx) => {
    const session = await users.login(parseBody(loginSchema, ctx), clientKey(ctx));
    const cartId = await adoptGuestCart(ctx, cart, session.user_id);
    ctx.body = cartId ? { ...session, cart_id: cartId } : session;
  });

  router.post('/logout', requireAuth(users), async (ctx) => {
    await users.logout(ctx.state.tokenHash!);
    ctx.status = 204;
  });

  router.post('/password', requireAuth(users), async (ctx) => {
    ctx.body = await users.changePassword(
      signedInUser(ctx).id,
      parseBody(passwordChangeSchema, ctx),
      clientKey(ctx),
    );
  });

  return router;
}
