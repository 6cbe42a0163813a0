import { createRouter } from '../shared/http.js';
import { parseBody, parseParams } from '../shared/input.js';
import { clientKey, rateLimit } from '../shared/middleware.js';
import type { RateLimits } from '../shared/rate-limits.js';
import type { UserService } from '../users/index.js';
import { optionalAuth } from '../users/index.js';
import { cartOwnerOf } from './owner.js';
import { addItemSchema, productIdSchema, updateItemSchema } from './schemas.js';
import type { CartService } from './service.js';

export function cartRoutes({
  cart,
  users,
  config,
  rateLimits,
}: {
  cart: CartService;
  users: UserService;
  config: { cart: { maxQuantity: number } };
  rateLimits: RateLimits;
}) {
  const router = createRouter('/cart');
  router.use(optionalAuth(users));
  // Cart writes per shopper: the user, else the address (a guest's cart token is theirs to
  // invent, a new one per request, so it cannot be what they are counted under).
  const writes = rateLimit(rateLimits, 'cart_user', (ctx) => ctx.state.user?.id ?? clientKey(ctx));
  const addItem = addItemSchema(config.cart.maxQuantity);
  const updateItem = updateItemSchema(config.cart.maxQuantity);

  router.get('/', async (ctx) => {
    ctx.body = await cart.getCart(cartOwnerOf(ctx));
  });

  router.post('/items', writes, async (ctx) => {
    const { cart_token, ...result } = await cart.addItem(cartOwnerOf(ctx), parseBody(addItem, ctx));
    if (cart_token) ctx.set('X-Cart-Token', cart_token);
    ctx.status = cart_token ? 201 : 200;
    ctx.body = cart_token ? { ...result, cart_token } : result;
  });

  router.patch('/items/:product_id', writes, async (ctx) => {
    const productId = parseParams(productIdSchema, ctx.params.product_id);
    ctx.body = await cart.updateItem(cartOwnerOf(ctx), productId, parseBody(updateItem, ctx).quantity);
  });

  router.delete('/items/:product_id', writes, async (ctx) => {
    ctx.body = await cart.removeItem(cartOwnerOf(ctx), parseParams(productIdSchema, ctx.params.product_id));
  });

  router.delete('/', writes, async (ctx) => {
    ctx.body = await cart.clear(cartOwnerOf(ctx));
  });

  return router;
}
