import { OpenAPIRegistry, OpenApiGeneratorV31, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { registerAdminApi } from '../admin/index.js';
import { registerCartApi } from '../cart/index.js';
import { registerCatalogApi } from '../catalog/index.js';
import { registerCheckoutApi } from '../checkout/index.js';
import { registerHealthApi } from '../health/index.js';
import { registerNotificationApi } from '../notifications/index.js';
import { registerOrderApi } from '../orders/index.js';
import { registerPaymentApi } from '../payments/index.js';
import { registerRecommendationApi } from '../recommendations/index.js';
import {
  content,
  defineOperation,
  errors,
  HEADER_COMPONENTS,
  json,
  SECURITY_SCHEMES,
  security,
} from '../shared/openapi.js';
import { registerUserApi } from '../users/index.js';
import { DOCS_ASSET_TYPES } from './assets.js';

export interface ApiSpecConfig {
  cart: { maxQuantity: number };
}

export interface ApiSpec {
  /** Every operation as registered: path templates in OpenAPI form, zod schemas for every answer. */
  routes: RouteConfig[];
  /** The OpenAPI 3.1 document (built on first use). */
  document(): Record<string, unknown>;
}

const TAGS = [
  { name: 'Catalog', description: 'Products and categories, for anyone' },
  { name: 'Auth', description: 'Accounts and session tokens' },
  { name: 'Cart', description: 'A signed-in shopper’s cart, or a guest’s (X-Cart-Token)' },
  { name: 'Checkout', description: 'Orders placed from the cart: reserved at once, paid in the background' },
  { name: 'Orders', description: "The customer's own orders" },
  { name: 'Notifications', description: 'What the shop told the customer' },
  { name: 'Admin', description: 'Catalog, stock, prices, orders and audit: the admin role only' },
  { name: 'Webhooks', description: 'Calls from the payment provider' },
  { name: 'Operations', description: 'Health, readiness and metrics' },
  { name: 'Reference', description: 'This document and its interactive reference' },
];

const DESCRIPTION = `An e-commerce backend whose checkout never oversells.

Errors are always \`{"error": {"code", "message", "details"?}}\`; each code has one HTTP status (the \`Error<status>\` schemas list the codes of each). Every answer carries \`X-Request-Id\`. Money is integer minor units (\`*_cents\`); times are UTC, ISO 8601.

Auth: \`Authorization: Bearer <token>\` from POST /auth/register or /auth/login. Routes under /admin need the admin role.`;

function registerReferenceApi(registry: OpenAPIRegistry) {
  const base = { tags: ['Reference'], security: security.none };
  defineOperation(registry, {
    ...base,
    method: 'get',
    path: '/openapi.json',
    operationId: 'openApiDocument',
    summary: 'This document (OpenAPI 3.1)',
    description:
      'Built from the zod schemas the routes validate with, so it lists what the service accepts and answers. Clients can be generated from it.',
    responses: {
      200: json(
        'The OpenAPI document',
        z.looseObject({
          openapi: z.string().startsWith('3.1'),
          info: z.looseObject({}),
          paths: z.looseObject({}),
        }),
      ),
    },
  });
  defineOperation(registry, {
    ...base,
    method: 'get',
    path: '/docs',
    operationId: 'apiReference',
    summary: 'The interactive API reference (Swagger UI, served offline)',
    description:
      'Swagger UI over GET /openapi.json, with "Try it out" against this service. Its scripts and styles come from this service alone, under a content security policy of its own.',
    responses: { 200: content('The reference page', ['text/html']) },
  });
  defineOperation(registry, {
    ...base,
    method: 'get',
    path: '/docs/{file}',
    operationId: 'apiReferenceAsset',
    summary: "The reference page's scripts, styles and icons",
    description: 'Only the files the reference page loads; any other name is a 404. Cached for an hour.',
    request: { params: z.object({ file: z.enum(Object.keys(DOCS_ASSET_TYPES) as [string, ...string[]]) }) },
    responses: {
      200: content('The file', [
        ...new Set(Object.values(DOCS_ASSET_TYPES).map((type) => type.split(';')[0]!)),
      ]),
      ...errors(404),
    },
  });
}

/** The service's API, described once from the zod schemas the routes validate with. */
export function createApiSpec(config: ApiSpecConfig): ApiSpec {
  const registry = new OpenAPIRegistry();
  registerHealthApi(registry);
  registerCatalogApi(registry);
  registerUserApi(registry);
  registerCartApi(registry, config);
  registerRecommendationApi(registry);
  registerCheckoutApi(registry);
  registerOrderApi(registry);
  registerNotificationApi(registry);
  registerAdminApi(registry);
  registerPaymentApi(registry);
  registerReferenceApi(registry);
  for (const [name, scheme] of Object.entries(SECURITY_SCHEMES)) {
    registry.registerComponent('securitySchemes', name, scheme);
  }
  for (const [name, header] of Object.entries(HEADER_COMPONENTS))
    registry.registerComponent('headers', name, header);

  let document: Record<string, unknown> | undefined;
  return {
    routes: registry.definitions.flatMap((d) => (d.type === 'route' ? [d.route] : [])),
    document() {
      document ??= new OpenApiGeneratorV31(registry.definitions, {
        sortComponents: 'alphabetically',
      }).generateDocument({
        openapi: '3.1.0',
        info: {
          title: 'Shop API',
          // The HTTP contract's version: bumped on a breaking change, not on every release.
          version: '1',
          description: DESCRIPTION,
          // The repository has no licence of its own (package.json: private).
          license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
        },
        servers: [{ url: '/', description: 'This service' }],
        tags: TAGS,
      }) as unknown as Record<string, unknown>;
      return document;
    },
  };
}
