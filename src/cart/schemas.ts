import { z } from 'zod';

export const productIdSchema = z.coerce
  .number({ message: 'product_id must be a positive integer' })
  .int('product_id must be a positive integer')
  .positive('product_id must be a positive integer')
  .max(Number.MAX_SAFE_INTEGER);

const quantity = (min: number, max: number) =>
  z
    .number({ message: 'quantity must be an integer' })
    .int('quantity must be an integer')
    .min(min, `quantity must be at least ${min}`)
    .max(max, `quantity must be at most ${max}`);

export const addItemSchema = (maxQuantity: number) =>
  z
    .object({
      product_id: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
      quantity: quantity(1, maxQuantity),
    })
    .strict();
export type AddItemInput = z.infer<ReturnType<typeof addItemSchema>>;

export const updateItemSchema = (maxQuantity: number) =>
  z.object({ quantity: quantity(0, maxQuantity) }).strict();

/** Who the cart belongs to: a signed-in user, or a guest holding a cart token. */
export type CartOwner = { kind: 'user'; userId: string } | { kind: 'guest'; token: string | null };

export const CART_TOKEN_HEADER = 'x-cart-token';

export interface CartLine {
  product_id: number;
  quantity: number;
  price_cents_at_add: number;
}

/** What Redis keeps under cart:{id}: the durable cart without product data (prices are read live). */
export interface CartState {
  cart_id: string;
  user_id: string | null;
  status: 'active' | 'converted' | 'merged';
  version: number;
  lines: CartLine[];
}

export interface CartItemView {
  product_id: number;
  sku: string | null;
  name: string;
  price_cents: number;
  quantity: number;
  line_total_cents: number;
  available: number;
  /** False once the product is taken off sale: shown, but left out of item_count and total_cents. */
  purchasable: boolean;
  price_changed: boolean;
  previous_price_cents?: number;
}

export interface CartView {
  cart_id: string | null;
  items: CartItemView[];
  item_count: number;
  total_cents: number;
}
