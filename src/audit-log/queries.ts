import type { Db, Trx } from '../db/index.js';

export interface AdminChange {
  actor: string;
  action: string;
  subjectType: 'product' | 'inventory' | 'order' | 'user' | 'price';
  subjectId: string | number;
  before?: unknown;
  after?: unknown;
  reason?: string | null;
}

/** Written in the same transaction as the change it records. */
export async function recordAdminChanges(trx: Trx, changes: AdminChange[]) {
  if (changes.length === 0) return;
  for (let i = 0; i < changes.length; i += 1_000) {
    await trx('admin_audit_log').insert(
      changes.slice(i, i + 1_000).map((c) => ({
        actor: c.actor,
        action: c.action,
        subject_type: c.subjectType,
        subject_id: String(c.subjectId),
        before: c.before === undefined ? null : JSON.stringify(c.before),
        after: c.after === undefined ? null : JSON.stringify(c.after),
        reason: c.reason ?? null,
      })),
    );
  }
}

export const listAdminChanges = (
  db: Db,
  filter: { subjectType?: string; subjectId?: string; limit?: number },
) =>
  db('admin_audit_log')
    .modify((q) => {
      if (filter.subjectType) q.where('subject_type', filter.subjectType);
      if (filter.subjectId) q.where('subject_id', filter.subjectId);
    })
    .orderBy('id', 'desc')
    .limit(filter.limit ?? 50);
