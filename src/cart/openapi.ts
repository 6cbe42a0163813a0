import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import {
  body,
  cartTokenHeaders,
  defineOperation,
  errors,
  header,
  json,
  security,
} from '../shared/openapi.js';
import {
  addItemSchema,
  cartChangedSchema,
  cartSummarySchema,
  cartViewSchema,
  productIdSchema,
  updateItemSchema,
} from './schemas.js';

const productParams = z.object({ product_id: productIdSchema.meta({ example: 42 }) });

const exampleCart = {
  cart_id: '0b6f7d5e-3c1a-4e8b-9f2d-6a7c8e9f0a1b',
  items: [
    {
      product_id: 42,
      sku: 'KIT-0042',
      name: 'Cast iron skillet',
      price_cents: 3499,
      quantity: 2,
      line_total_cents: 6998,
      available: 17,
      purchasable: true,
      price_changed: false,
    },
  ],
  item_count: 2,
  total_cents: 6998,
};

const changed = (what: string) =>
  json(what, cartChangedSchema, { example: { success: true, cart: exampleCart } });

export function registerCartApi(registry: OpenAPIRegistry, config: { cart: { maxQuantity: number } }) {
  const tags = ['Cart'];

  defineOperation(registry, {
    method: 'get',
    path: '/cart',
    operationId: 'getCart',
    tags,
    summary: "The shopper's cart, priced live",
    description: 'With no cart yet, an empty one (`cart_id: null`).',
    security: security.optional,
    request: { headers: cartTokenHeaders },
    responses: {
      200: json('The cart', cartViewSchema, { example: exampleCart }),
      ...errors(401),
    },
  });

  defineOperation(registry, {
    method: 'post',
    path: '/cart/items',
    operationId: 'addCartItem',
    tags,
    summary: 'Add a product (quantities add up)',
    description:
      'Nothing is reserved until checkout. A guest without a cart (or whose cart was purged) gets a new one: 201, with its token in `X-Cart-Token` and `cart_token`.',
    security: security.optional,
    request: {
      headers: cartTokenHeaders,
      body: body(addItemSchema(config.cart.maxQuantity), { product_id: 42, quantity: 2 }),
    },
    responses: {
      200: json('Added to the existing cart', cartSummarySchema, {
        example: { cart_id: exampleCart.cart_id, item_count: 2, total_cents: 6998 },
      }),
      201: json('Added to a new guest cart', cartSummarySchema.required({ cart_token: true }), {
        headers: { 'X-Cart-Token': header('The new guest cart token') },
        example: {
          cart_id: exampleCart.cart_id,
          item_count: 2,
          total_cents: 6998,
          cart_token: 'cart_4f9c2b7e1d8a6f3c5e0b9a7d2c4e6f8a',
        },
      }),
      ...errors(401, 404, 409, 422, 429),
    },
  });

  defineOperation(registry, {
    method: 'patch',
    path: '/cart/items/{product_id}',
    operationId: 'updateCartItem',
    tags,
    summary: "Set a line's quantity (0 removes it)",
    description:
      'A product not in the cart, or no longer sold, is a 404; more than is available is a 409 (`insufficient_stock`); more than the per-line limit is a 422.',
    security: security.optional,
    request: {
      params: productParams,
      headers: cartTokenHeaders,
      body: body(updateItemSchema(config.cart.maxQuantity), { quantity: 3 }),
    },
    responses: {
      200: changed('The cart after the change'),
      ...errors(401, 404, 409, 422, 429),
    },
  });

  defineOperation(registry, {
    method: 'delete',
    path: '/cart/items/{product_id}',
    operationId: 'removeCartItem',
    tags,
    summary: 'Remove a line',
    description: 'A product not in the cart is a 404. The answer is the cart without it.',
    security: security.optional,
    request: { params: productParams, headers: cartTokenHeaders },
    responses: {
      200: changed('The cart without the line'),
      ...errors(400, 401, 404, 409, 429),
    },
  });

  defineOperation(registry, {
    method: 'delete',
    path: '/cart',
    operationId: 'clearCart',
    tags,
    summary: 'Empty the cart',
    description:
      'Removes every line; the cart itself stays. No cart is a 404, a cart already checked out a 409 (`cart_converted`).',
    security: security.optional,
    request: { headers: cartTokenHeaders },
    responses: {
      200: changed('The empty cart'),
      ...errors(401, 404, 409, 429),
    },
  });
}
