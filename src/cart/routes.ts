import Router from '@koa/router';
import { type AppContext, type AppState, parseBody, parseParams } from '../shared/http.js';
import { optionalAuth } from '../users/auth.js';
import type { UserService } from '../users/service.js';
import {
  addItemSchema,
  CART_TOKEN_HEADER,
  type CartOwner,
  productIdSchema,
  updateItemSchema,
} from './schemas.js';
import type { CartService } from './service.js';

/** A signed-in shopper owns their cart; a guest is identified by the X-Cart-Token they were given. */
function ownerOf(ctx: AppContext): CartOwner {
  const user = ctx.state.user;
  return user
    ? { kind: 'user', userId: user.id }
    : { kind: 'guest', token: ctx.get(CART_TOKEN_HEADER) || null };
}

export function cartRoutes({
  cart,
  users,
  config,
}: {
  cart: CartService;
  users: UserService;
  config: { cart: { maxQuantity: number } };
}) {
  const router = new Router<AppState>({ prefix: '/cart' });
  router.use(optionalAuth(users));
  const addItem = addItemSchema(config.cart.maxQuantity);
  const updateItem = updateItemSchema(config.cart.maxQuantity);

  router.get('/', async (ctx) => {
    ctx.body = await cart.getCart(ownerOf(ctx));
  });

  router.post('/items', async (ctx) => {
    const { cart_token, ...result } = await cart.addItem(ownerOf(ctx), parseBody(addItem, ctx));
    if (cart_token) ctx.set('X-Cart-Token', cart_token);
    ctx.status = cart_token ? 201 : 200;
    ctx.body = cart_token ? { ...result, cart_token } : result;
  });

  router.patch('/items/:product_id', async (ctx) => {
    const productId = parseParams(productIdSchema, ctx.params.product_id);
    ctx.body = await cart.updateItem(ownerOf(ctx), productId, parseBody(updateItem, ctx).quantity);
  });

  router.delete('/items/:product_id', async (ctx) => {
    ctx.body = await cart.removeItem(ownerOf(ctx), parseParams(productIdSchema, ctx.params.product_id));
  });

  router.delete('/', async (ctx) => {
    ctx.body = await cart.clear(ownerOf(ctx));
  });

  return router;
}
