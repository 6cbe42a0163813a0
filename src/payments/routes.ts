import { DomainError } from '../shared/errors.js';
import { createRouter } from '../shared/http.js';
import type { StripeWebhooks } from './webhooks.js';

const WEBHOOK_BODY_LIMIT = 1024 * 1024;

/** The request body exactly as sent: a signature covers bytes, not parsed JSON. */
async function rawBody(req: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > WEBHOOK_BODY_LIMIT) throw new DomainError('payload_too_large', 'Webhook body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Mounted ahead of the JSON body parser. Without PAYMENT_PROVIDER=stripe there is no such route. */
export function webhookRoutes({ webhooks }: { webhooks: StripeWebhooks | null }) {
  const router = createRouter('/webhooks');
  if (!webhooks) return router;
  router.post('/stripe', async (ctx) => {
    ctx.body = await webhooks.handle(await rawBody(ctx.req), ctx.get('stripe-signature') || undefined);
  });
  return router;
}
