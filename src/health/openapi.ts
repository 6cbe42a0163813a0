import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { content, defineOperation, errors, json, security } from '../shared/openapi.js';
import { drainingSchema, livenessSchema, readinessSchema } from './schemas.js';

export function registerHealthApi(registry: OpenAPIRegistry) {
  const tags = ['Operations'];

  defineOperation(registry, {
    method: 'get',
    path: '/healthz',
    operationId: 'liveness',
    tags,
    summary: 'The process is up',
    description: 'Answers without touching PostgreSQL, Redis or the search engine: for a liveness probe.',
    security: security.none,
    responses: { 200: json('Alive', livenessSchema) },
  });

  defineOperation(registry, {
    method: 'get',
    path: '/readyz',
    operationId: 'readiness',
    tags,
    summary: 'Ready for traffic: PostgreSQL is required, Redis and the search engine only speed things up',
    description:
      'For the load balancer: 200 while PostgreSQL answers (`degraded` without Redis, the search engine or the replica), 503 when it does not, and while a stopping process drains.',
    security: security.none,
    responses: {
      200: json('Ready, or degraded without Redis or the search engine', readinessSchema),
      503: json(
        'PostgreSQL is down, or this process is draining',
        z.union([readinessSchema, drainingSchema]),
      ),
    },
  });

  defineOperation(registry, {
    method: 'get',
    path: '/metrics',
    operationId: 'metrics',
    tags,
    summary: 'Prometheus exposition',
    description: 'Open unless the service is configured with METRICS_TOKEN, which is then required.',
    security: [{ metricsToken: [] }, {}],
    responses: {
      200: content('Metrics in the Prometheus text format', ['text/plain']),
      ...errors(401),
    },
  });
}
