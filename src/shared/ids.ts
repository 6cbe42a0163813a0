import { v7 } from 'uuid';

/**
 * A new row id: a version 7 UUID, which starts with the current millisecond, so the ids the service
 * makes sort by time, as `uuid_v7()` makes them in PostgreSQL (migrations/20261230000001_time_ordered_ids.ts
 * says why). Ids made in one process in the same millisecond still sort in the order they were made.
 */
export function newId(): string {
  return v7();
}
