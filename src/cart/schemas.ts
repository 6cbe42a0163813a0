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
/** A guest's address (clientKey) is what their new carts are counted under: the token is theirs to pick. */
export type CartOwner =
  | { kind: 'user'; userId: string }
  | { kind: 'guest'; token: string | null; address: string };

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

export const cartItemViewSchema = z
  .strictObject({
    product_id: z.number().int().positive(),
    sku: z.string().nullable().meta({ description: 'null once the product is no longer sold' }),
    name: z.string(),
    price_cents: z.number().int().min(0).meta({ description: "Today's price" }),
    quantity: z.number().int().positive(),
    line_total_cents: z.number().int().min(0),
    available: z.number().int().min(0),
    purchasable: z.boolean().meta({
      description:
        'False once the product is taken off sale: shown, but left out of item_count and total_cents',
    }),
    price_changed: z.boolean().meta({ description: 'The price moved since the line was added' }),
    previous_price_cents: z.number().int().min(0).optional().meta({ description: 'The price when added' }),
  })
  .meta({ id: 'CartItem' });
export type CartItemView = z.infer<typeof cartItemViewSchema>;

export const cartViewSchema = z
  .strictObject({
    cart_id: z.uuid().nullable().meta({ description: 'null: no cart yet' }),
    items: z.array(cartItemViewSchema),
    item_count: z.number().int().min(0),
    total_cents: z.number().int().min(0),
  })
  .meta({ id: 'Cart' });
export type CartView = z.infer<typeof cartViewSchema>;

export const cartSummarySchema = z
  .strictObject({
    cart_id: z.uuid(),
    item_count: z.number().int().min(0),
    total_cents: z.number().int().min(0),
    cart_token: z.string().optional().meta({
      description:
        "A new guest cart's token (also sent as the X-Cart-Token header): send it back on every cart call",
    }),
  })
  .meta({ id: 'CartSummary' });

export const cartChangedSchema = z
  .strictObject({ success: z.literal(true), cart: cartViewSchema })
  .meta({ id: 'CartChanged' });
