import { CART_TOKEN_HEADER } from '../cart/schemas.js';
import type { CartService } from '../cart/service.js';
import {
  type AppContext,
  clientKey,
  createRouter,
  parseBody,
  rateLimit,
  signedInUser,
} from '../shared/http.js';
import type { RateLimits } from '../shared/rate-limits.js';
import { requireAuth } from './auth.js';
import { loginSchema, passwordChangeSchema, registerSchema } from './schemas.js';
import type { UserService } from './service.js';

/** Signing in with a guest's X-Cart-Token folds that cart into the user's. */
async function adoptGuestCart(ctx: AppContext, cart: CartService, userId: string) {
  const token = ctx.get(CART_TOKEN_HEADER);
  return token ? cart.mergeGuestCart(token, userId) : null;
}

export function userRoutes({
  users,
  cart,
  rateLimits,
}: {
  users: UserService;
  cart: CartService;
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
