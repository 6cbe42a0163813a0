// The notifications room's door: what other rooms, the CLI, seeds, scripts and load tests may import
// from it. Everything else in src/notifications/ is the room's own (.dependency-cruiser.cjs).
export { registerNotificationApi } from './openapi.js';
export { notificationRoutes } from './routes.js';
export {
  createRecordingNotifier,
  deleteOrderNotifications,
  lowStockHandler,
  notificationsHandler,
  notificationsRetention,
} from './service.js';
