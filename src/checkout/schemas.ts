import { z } from 'zod';
import { shippingAddressSchema } from '../orders/index.js';

export const checkoutSchema = z
  .object({
    cart_id: z.uuid('cart_id must be a UUID'),
    shipping_address: shippingAddressSchema,
    payment_method: z
      .string()
      .regex(/^pm_[A-Za-z0-9_]{1,100}$/, 'payment_method must be a payment method id such as pm_card_visa'),
  })
  .strict();
export type CheckoutInput = z.infer<typeof checkoutSchema>;

export const idempotencyKeySchema = z
  .string({ message: 'Idempotency-Key header is required' })
  .min(1, 'Idempotency-Key header is required')
  .max(255, 'Idempotency-Key must be at most 255 characters')
  .regex(/^[\x21-\x7e]+$/, 'Idempotency-Key must be printable ASCII without spaces');

export interface CheckoutRequest {
  userId: string;
  key: string;
  requestHash: string;
  input: CheckoutInput;
}

/** What a checkout answers; stored with its idempotency key and replayed byte for byte. */
export interface CheckoutResponse {
  status: number;
  body: Record<string, unknown>;
}

export const checkoutResultSchema = z
  .strictObject({
    order_id: z.uuid(),
    status: z.literal('PENDING').meta({ description: 'Reserved; the payment follows in the background' }),
    total_cents: z.number().int().min(0),
  })
  .meta({ id: 'CheckoutResult' });
