// The audit room's door: what other rooms, the CLI, seeds, scripts and load tests may import
// from it. Everything else in src/audit/ is the room's own (.dependency-cruiser.cjs).
export { type AuditReport, checkInvariants, markHistoryAudited } from './invariants.js';
export { createLiveStore, type HotSku, type LiveOptions } from './live.js';
export { type ReconcileReport, reconcile } from './reconcile.js';
