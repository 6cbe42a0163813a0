import { bodyParser } from '@koa/bodyparser';
import Koa from 'koa';
import { adminRoutes } from './admin/index.js';
import { cartRoutes } from './cart/index.js';
import { catalogRoutes } from './catalog/index.js';
import { checkoutRoutes } from './checkout/index.js';
import type { Container } from './container.js';
import { healthRoutes } from './health/index.js';
import { notificationRoutes } from './notifications/index.js';
import { docsRoutes } from './openapi/index.js';
import { orderRoutes } from './orders/index.js';
import { sandboxChallengeRoutes, webhookRoutes } from './payments/index.js';
import { recommendationRoutes } from './recommendations/index.js';
import { DomainError } from './shared/errors.js';
import type { AppState } from './shared/http.js';
import { errorHandler, httpMetrics, requestContext, securityHeaders } from './shared/middleware.js';
import { storefrontRoutes } from './storefront/index.js';
import { requireRoleUnder, userRoutes } from './users/index.js';

export interface AppOptions {
  /** True once the process is stopping (SIGTERM): /readyz answers 503 so the balancer drains it. */
  draining?: () => boolean;
}

export function createApp(container: Container, options: AppOptions = {}) {
  // X-Forwarded-For names the client only behind proxies that append to it, and only as many entries
  // from the right as there are such proxies (TRUST_PROXY_HOPS): what lies further left is the
  // client's own to write, so reading it would let anyone pick the address their limits count against.
  const { proxyHops } = container.config.http;
  const app = new Koa<AppState>({ proxy: proxyHops > 0, maxIpsCount: proxyHops });
  app.silent = true;

  app.use(requestContext(container.logger));
  app.use(securityHeaders());
  app.use(httpMetrics(container.metrics.http));
  app.use(errorHandler());
  app.use(requireRoleUnder('/admin', container.users, 'admin'));
  // Webhooks read their raw body themselves: the signature covers the bytes as sent.
  const webhooks = webhookRoutes(container);
  app.use(webhooks.routes()).use(webhooks.allowedMethods({ throw: false }));
  // The API document and its reference page take no body: mounted apart from the JSON API.
  const docs = docsRoutes(container);
  app.use(docs.routes()).use(docs.allowedMethods({ throw: false }));
  // So are the storefront's page and files, and the sandbox's 3-D Secure page (an HTML form posts to it).
  for (const router of pageRouters(container)) {
    app.use(router.routes()).use(router.allowedMethods({ throw: false }));
  }
  // A body the API cannot read is refused as such, not reported as missing fields.
  app.use(async (ctx, next) => {
    if (ctx.request.length && !ctx.is('application/json')) {
      throw new DomainError('unsupported_media_type', 'Send the request body as application/json');
    }
    await next();
  });
  app.use(
    bodyParser({
      enableTypes: ['json'],
      jsonLimit: container.config.http.bodyLimit,
      encoding: 'utf-8',
      onError: (err) => {
        const status = (err as { status?: number }).status;
        if (status === 413 || status === 415) throw err;
        throw new DomainError('bad_request', 'Request body is not valid JSON');
      },
    }),
  );

  for (const router of apiRouters(container, options)) {
    app.use(router.routes()).use(router.allowedMethods({ throw: false }));
  }
  return app;
}

/** Every JSON router of the API, in mounting order (the route inventory reads them too). */
export const apiRouters = (container: Container, options: AppOptions = {}) => [
  healthRoutes({ ...container, ...options }),
  catalogRoutes(container),
  userRoutes(container),
  cartRoutes(container),
  recommendationRoutes(container),
  checkoutRoutes(container),
  orderRoutes(container),
  notificationRoutes(container),
  adminRoutes(container),
];

/** The HTML pages and their files: the storefront, and the sandbox's 3-D Secure challenge when payments go to it. */
export const pageRouters = (container: Container) => [
  storefrontRoutes(container),
  sandboxChallengeRoutes(container),
];

/** Every route the service answers, as "METHOD /path" (webhooks included when configured, the API reference and pages too). */
export function routeInventory(container: Container): string[] {
  return inventoryOf([
    webhookRoutes(container),
    docsRoutes(container),
    ...pageRouters(container),
    ...apiRouters(container),
  ]);
}

/** The routes of the pages alone (the storefront's, the sandbox's challenge): HTML for people, not API operations. */
export const pageInventory = (container: Container) => inventoryOf(pageRouters(container));

function inventoryOf(routers: { stack: { methods: string[]; path: string | RegExp }[] }[]): string[] {
  const routes = new Set<string>();
  for (const router of routers) {
    for (const layer of router.stack) {
      for (const method of layer.methods) {
        if (method !== 'HEAD') routes.add(`${method} ${layer.path}`);
      }
    }
  }
  return [...routes].sort();
}
