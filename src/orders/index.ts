// The orders room's door: what other rooms, the CLI, seeds, scripts and load tests may import
// from it. Everything else in src/orders/ is the room's own (.dependency-cruiser.cjs).
export { type Actor, actorName, type CancelInput, type SettlementOutcome } from './actor.js';
export { exampleAddress, orderParams, registerAdminOrderApi, registerOrderApi } from './openapi.js';
export { findOrder, insertOrderItems, insertOrders, latestCharge } from './queries.js';
export { adminOrderRoutes, orderRoutes } from './routes.js';
export {
  adminOrderSummarySchema,
  CARRIERS,
  orderSchema,
  shippingAddressSchema,
  shipSchema,
} from './schemas.js';
export { createOrderService, type OrderService, type Shipment } from './service.js';
export {
  AWAITING_PAYMENT,
  awaitsPayment,
  cancelledByRefund,
  canTransition,
  HOLDING_STATUSES,
  historyLines,
  ORDER_STATUSES,
  type OrderStatus,
  PAID_STATUSES,
  recordTransitions,
  TRANSITIONS,
  type Transition,
  transitionRefusal,
} from './state-machine.js';
