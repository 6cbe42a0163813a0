// The archive room's door: what other rooms, the CLI, seeds, scripts and load tests may import
// from it. Everything else in src/archive/ is the room's own (.dependency-cruiser.cjs).

export {
  ArchiveNotWritten,
  archiveCutoff,
  archiveOrders,
  type Manifest,
  ORDER_CHILD_TABLES,
  ordersRetention,
  type YieldTo,
} from './archive.js';
export { type ArchivedOrder, checkArchiveFile, readArchiveLines } from './archive-file.js';
