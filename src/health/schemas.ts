import { z } from 'zod';

export const livenessSchema = z.strictObject({ status: z.literal('ok') }).meta({ id: 'Liveness' });

const check = z.enum(['up', 'down']);
export const readinessSchema = z
  .strictObject({
    status: z.enum(['ready', 'degraded', 'unavailable']).meta({
      description:
        'degraded: Redis is down, or the search engine is (browse answers from PostgreSQL), or the read replica lags or is down (browse reads the primary): slower, still correct; unavailable: PostgreSQL is down',
    }),
    checks: z.strictObject({
      postgres: check,
      redis: check,
      search: check.optional().meta({
        description:
          'With SEARCH_BACKEND=opensearch: down while the search breaker sends browse to PostgreSQL',
      }),
      replica: z.enum(['up', 'lagging', 'down']).optional().meta({
        description:
          'With DATABASE_REPLICA_URL: lagging (past REPLICA_MAX_LAG) or down while browse reads from the primary',
      }),
    }),
  })
  .meta({ id: 'Readiness' });

/** A stopping process, taking itself out of the balancer's rotation before it stops listening. */
export const drainingSchema = z
  .strictObject({
    status: z.literal('draining').meta({ description: 'This process is stopping: send traffic elsewhere' }),
  })
  .meta({ id: 'Draining' });
