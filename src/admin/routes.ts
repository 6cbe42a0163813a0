import type { PriceService } from '../catalog/index.js';
import {
  type ProductAdminService,
  productInputSchema,
  productPatchSchema,
  purchaseLimitSchema,
} from '../catalog/index.js';
import type { InventoryService } from '../inventory/index.js';
import type { Actor, OrderService } from '../orders/index.js';
import { adminOrderRoutes } from '../orders/index.js';
import { type AppContext, createRouter, signedInUser } from '../shared/http.js';
import { parseBody, parseParams, parseQuery, uuidParam } from '../shared/input.js';
import type { UserService } from '../users/index.js';
import { requireAuth } from '../users/index.js';
import {
  adminOrderListQuerySchema,
  auditLogQuerySchema,
  priceSchema,
  refundSchema,
  skuParam,
  stockAdjustSchema,
  stockSetSchema,
} from './schemas.js';
import type { AdminService } from './service.js';

type Deps = {
  admin: AdminService;
  users: UserService;
  orders: OrderService;
  products: ProductAdminService;
  prices: PriceService;
  inventory: InventoryService;
};

// Same shape as the order service's actor names, so every log says who in one way.
const actorName = (ctx: AppContext) => `admin:${signedInUser(ctx).id}`;
const actorOf = (ctx: AppContext): Actor => ({ userId: signedInUser(ctx).id, role: 'admin' });
const sku = (ctx: AppContext) => parseParams(skuParam, ctx.params.sku);

/** Admin-only routes; every route below needs an admin token (a customer token is a 403). */
export function adminRoutes(deps: Deps) {
  const { admin, users, orders, products, prices, inventory } = deps;
  const router = createRouter('/admin');
  router.use(requireAuth(users, 'admin'));

  router.get('/users', async (ctx) => {
    ctx.body = { users: await users.list() };
  });

  router.post('/products', async (ctx) => {
    ctx.body = await products.create(parseBody(productInputSchema, ctx), actorName(ctx));
    ctx.status = 201;
  });
  router.patch('/products/:sku', async (ctx) => {
    ctx.body = await products.update(sku(ctx), parseBody(productPatchSchema, ctx), actorName(ctx));
  });
  router.put('/products/:sku/price', async (ctx) => {
    const target = sku(ctx);
    const { price_cents, reason } = parseBody(priceSchema, ctx);
    await prices.changePrices([{ sku: target, price_cents }], actorName(ctx), reason);
    ctx.body = await products.findBySku(target);
  });

  router.put('/products/:sku/purchase-limit', async (ctx) => {
    const { max_per_customer, reason } = parseBody(purchaseLimitSchema, ctx);
    ctx.body = await products.setPurchaseLimit(sku(ctx), max_per_customer, actorName(ctx), reason);
  });

  router.get('/inventory/:sku', async (ctx) => {
    ctx.body = await inventory.show(sku(ctx));
  });
  router.put('/inventory/:sku', async (ctx) => {
    const target = sku(ctx);
    const { quantity, reason } = parseBody(stockSetSchema, ctx);
    ctx.body = await inventory.setStock(target, quantity, { actor: actorName(ctx), reason });
  });
  router.post('/inventory/:sku/adjust', async (ctx) => {
    const target = sku(ctx);
    const { delta, reason } = parseBody(stockAdjustSchema, ctx);
    ctx.body = await inventory.adjustStock(target, delta, { actor: actorName(ctx), reason });
  });

  router.get('/orders', async (ctx) => {
    ctx.body = { orders: await orders.listAll(parseQuery(adminOrderListQuerySchema, ctx)) };
  });
  router.post('/orders/:id/refund', async (ctx) => {
    const id = parseParams(uuidParam, ctx.params.id);
    const { reason } = parseBody(refundSchema, ctx);
    ctx.body = await admin.refund(id, actorOf(ctx), reason);
  });
  const ordersRouter = adminOrderRoutes({ orders });
  router.use(ordersRouter.routes(), ordersRouter.allowedMethods());

  // A report, not a failure: 200 either way, with `ok` saying whether every invariant holds.
  router.get('/audit', async (ctx) => {
    ctx.body = await admin.audit();
  });
  router.get('/audit-log', async (ctx) => {
    const { subject, type, limit } = parseQuery(auditLogQuerySchema, ctx);
    ctx.body = { entries: await admin.auditLog({ subjectId: subject, subjectType: type, limit }) };
  });

  return router;
}
