import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { defineOperation, errors, json, security } from '../shared/openapi.js';

export const notificationListSchema = z
  .strictObject({
    notifications: z.array(
      z.strictObject({
        id: z.number().int().positive(),
        kind: z.string().meta({ description: 'The event it tells of: order.paid, order.shipped, …' }),
        order_id: z.uuid().nullable(),
        message: z.string(),
        created_at: z.iso.datetime({ offset: true }),
      }),
    ),
  })
  .meta({ id: 'NotificationList' });

export function registerNotificationApi(registry: OpenAPIRegistry) {
  defineOperation(registry, {
    method: 'get',
    path: '/notifications',
    operationId: 'listNotifications',
    tags: ['Notifications'],
    summary: "The customer's notifications, newest first (at most 50)",
    description:
      'Order paid, shipped, payment failed, expired: written by the notifications consumer (with AMQP_URL).',
    security: security.customer,
    responses: { 200: json('The notifications', notificationListSchema), ...errors(401) },
  });
}
