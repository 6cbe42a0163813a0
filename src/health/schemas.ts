import { z } from 'zod';

export const livenessSchema = z.strictObject({ status: z.literal('ok') }).meta({ id: 'Liveness' });

const check = z.enum(['up', 'down']);
export const readinessSchema = z
  .strictObject({
    status: z.enum(['ready', 'degraded', 'unavailable']).meta({
      description: 'degraded: Redis is down (slower, still correct); unavailable: PostgreSQL is down',
    }),
    checks: z.strictObject({ postgres: check, redis: check }),
  })
  .meta({ id: 'Readiness' });
