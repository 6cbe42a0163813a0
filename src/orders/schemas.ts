import { z } from 'zod';

const positiveInt = (name: string, max: number) =>
  z
    .string()
    .regex(/^\d{1,6}$/, `${name} must be a positive integer`)
    .transform(Number)
    .pipe(z.number().int().min(1, `${name} must be at least 1`).max(max, `${name} must be at most ${max}`));

export const orderListQuerySchema = z
  .object({ page: positiveInt('page', 100_000).default(1), limit: positiveInt('limit', 100).default(20) })
  .strict();

export const CARRIERS = {
  ups: 'https://www.ups.com/track?tracknum=',
  fedex: 'https://www.fedex.com/fedextrack/?trknbr=',
  usps: 'https://tools.usps.com/go/TrackConfirmAction?tLabels=',
  dhl: 'https://www.dhl.com/en/express/tracking.html?AWB=',
} as const;

export const shipSchema = z
  .object({
    carrier: z.enum(Object.keys(CARRIERS) as [keyof typeof CARRIERS, ...(keyof typeof CARRIERS)[]], {
      message: `carrier must be one of ${Object.keys(CARRIERS).join(', ')}`,
    }),
    tracking_number: z
      .string()
      .regex(/^[A-Za-z0-9-]{4,40}$/, 'tracking_number must be 4-40 letters, digits or dashes'),
  })
  .strict();

export const cancelSchema = z.object({ reason: z.string().trim().min(1).max(500).optional() }).strict();

export const trackingUrl = (carrier: string | null, tracking: string | null) =>
  carrier && tracking && carrier in CARRIERS
    ? CARRIERS[carrier as keyof typeof CARRIERS] + encodeURIComponent(tracking)
    : null;
