import { z } from 'zod';

export const webhookReceiptSchema = z
  .strictObject({
    received: z.literal(true),
    duplicate: z
      .literal(true)
      .optional()
      .meta({ description: 'This event id was handled before (or is being handled now): nothing was done' }),
  })
  .meta({ id: 'WebhookReceipt' });
