// The inventory room's door: what other rooms, the CLI, seeds, scripts and load tests may import
// from it. Everything else in src/inventory/ is the room's own (.dependency-cruiser.cjs).
export { correctCounters } from './corrections.js';
export { initialStock } from './initial-stock.js';
export {
  applyMovements,
  LEDGER_BALANCES_SQL,
  type LockedStock,
  ledgerRetention,
  lockStock,
  type Movement,
  movementDeltas,
} from './ledger.js';
export { recordDefaultLowStockThreshold } from './low-stock.js';
export {
  endReservations,
  insertConfirmedReservations,
  lockDueOrders,
  reserveStock,
  StaleStockRead,
} from './reservations.js';
export {
  createInventoryService,
  type InventoryService,
  type ReservationView,
  type StockChange,
} from './service.js';
