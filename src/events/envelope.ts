import { z } from 'zod';

/**
 * The message every domain event travels in, on the broker and in shopctl: versioned, and
 * identified by `id` (the same on every redelivery and every replay), so consumers dedupe on it.
 */
export interface EventEnvelope {
  id: string;
  type: string;
  /** When the change committed (ISO 8601). */
  time: string;
  source: 'shop';
  schema_version: number;
  aggregate: { type: string; id: string };
  data: Record<string, unknown>;
}

/**
 * An envelope as a consumer reads it off the broker. Fields it does not know are dropped, so a
 * newer relay's additions do not make an older consumer refuse every message.
 */
export const eventEnvelope = z.object({
  id: z.uuid(),
  type: z.string(),
  time: z.string(),
  source: z.literal('shop'),
  schema_version: z.number().int(),
  aggregate: z.object({ type: z.string(), id: z.string() }),
  data: z.record(z.string(), z.unknown()),
}) satisfies z.ZodType<EventEnvelope>;

export interface DomainEventRow {
  id: number;
  event_id: string;
  type: string;
  aggregate_type: string;
  aggregate_id: string;
  data: Record<string, unknown>;
  schema_version: number;
  occurred_at: Date;
  /** Deliveries tried so far (a failed in-process delivery counts). */
  attempts: number;
}

export const toEnvelope = (row: DomainEventRow): EventEnvelope => ({
  id: row.event_id,
  type: row.type,
  time: row.occurred_at.toISOString(),
  source: 'shop',
  schema_version: row.schema_version,
  aggregate: { type: row.aggregate_type, id: row.aggregate_id },
  data: row.data,
});
