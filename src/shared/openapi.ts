import type { OpenAPIRegistry, ResponseConfig, RouteConfig } from '@asteasolutions/zod-to-openapi';
import { type ZodType, z } from 'zod';
import { ERROR_STATUS, type ErrorCode } from './errors.js';

/**
 * The pieces every domain's API reference is built from: the error body (its codes read from the
 * error table, so a new code is documented the moment it exists), the headers every answer has,
 * and one way to register an operation. The document itself is assembled in src/openapi/.
 */

export type ErrorStatus = (typeof ERROR_STATUS)[ErrorCode];

const ERROR_CODES = Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]];

export const errorCodeSchema = z.enum(ERROR_CODES).meta({
  id: 'ErrorCode',
  description: 'The closed set of error codes; each always comes with the same HTTP status.',
});

const codesAt = (status: number) => ERROR_CODES.filter((code) => ERROR_STATUS[code] === status);

export const fieldIssueSchema = z
  .strictObject({
    path: z
      .string()
      .meta({ description: 'The field, dotted (`shipping_address.country`); empty for the body' }),
    message: z.string(),
  })
  .meta({ id: 'FieldIssue' });

/** Any error the service answers, whatever its status. */
export const errorBodySchema = z
  .strictObject({
    error: z.strictObject({
      code: errorCodeSchema,
      message: z.string().meta({ description: 'For people, not for code' }),
      details: z.unknown().optional(),
    }),
  })
  .meta({ id: 'Error', description: 'Every error: `{error: {code, message, details?}}`.' });

/**
 * The error body of one status: an `Error` whose code is one of that status's codes (and, for a
 * 400, whose details list the refused fields).
 */
export const errorBodies = Object.fromEntries(
  [...new Set(Object.values(ERROR_STATUS))].map((status) => [
    status,
    errorBodySchema
      .and(
        z.object({
          error: z.object({
            code: z.enum(codesAt(status) as [ErrorCode, ...ErrorCode[]]),
            ...(status === 400
              ? {
                  details: z
                    .array(fieldIssueSchema)
                    .optional()
                    .meta({ description: 'validation_failed: every refused field with its reason' }),
                }
              : {}),
          }),
        }),
      )
      .meta({
        id: `Error${status}`,
        description: `An error answered with ${status}: ${codesAt(status).join(', ')}.`,
      }),
  ]),
) as unknown as Record<ErrorStatus, ZodType>;

const ERROR_DESCRIPTIONS: Record<ErrorStatus, string> = {
  400: 'The request is malformed or fails validation',
  401: 'No valid bearer token',
  403: 'The token is valid but may not do this',
  404: 'Not found, or not yours',
  405: 'The path exists, the method does not',
  409: 'Conflicts with the current state',
  413: 'The body is too large',
  415: 'The body is not JSON',
  422: 'Understood but refused',
  429: 'Rate limited: retry after `Retry-After` seconds',
  500: 'An unexpected fault (a generic message with the request id, never a stack trace)',
  503: 'A dependency did not answer; retry later',
};

/** A response header, as the document states it. */
export type HeaderSpec = {
  description: string;
  required: boolean;
  schema: { type: 'string' };
  [extension: `x-${string}`]: unknown;
};
export type HeaderRef = { $ref: string };

export const header = (description: string, required = true): HeaderSpec => ({
  description,
  required,
  schema: { type: 'string' },
});

/** Headers documented once under components/headers and referenced from every answer. */
export const HEADER_COMPONENTS: Record<string, HeaderSpec> = {
  'X-Request-Id': header(
    "The request's id (the caller's `X-Request-Id` when sane, else a new one), in every log line",
  ),
};

/** The headers of every answer. */
const commonHeaders: Record<string, HeaderRef> = {
  'X-Request-Id': { $ref: '#/components/headers/X-Request-Id' },
};

export function json(
  description: string,
  schema: ZodType,
  extra: { example?: unknown; headers?: Record<string, HeaderSpec> } = {},
): ResponseConfig {
  return {
    description,
    headers: { ...commonHeaders, ...extra.headers },
    content: {
      'application/json': extra.example === undefined ? { schema } : { schema, example: extra.example },
    },
  };
}

export function noContent(description: string): ResponseConfig {
  return { description, headers: commonHeaders };
}

/** A non-JSON answer: any of `mediaTypes`. */
export function content(description: string, mediaTypes: string[]): ResponseConfig {
  return {
    description,
    headers: commonHeaders,
    content: Object.fromEntries(mediaTypes.map((type) => [type, { schema: z.string() }])),
  };
}

/** The error answers an operation may give, each with the codes of its status. */
export function errors(...statuses: ErrorStatus[]): Record<string, ResponseConfig> {
  return Object.fromEntries(
    statuses.map((status) => [
      String(status),
      {
        description: ERROR_DESCRIPTIONS[status],
        headers: {
          ...commonHeaders,
          ...(status === 429
            ? { 'Retry-After': header('Seconds until the limit lets a request through') }
            : {}),
        },
        content: { 'application/json': { schema: errorBodies[status] } },
      },
    ]),
  );
}

export const SECURITY_SCHEMES = {
  bearerAuth: {
    type: 'http',
    scheme: 'bearer',
    description: 'A session token from POST /auth/register or /auth/login (or `shopctl users token`).',
  },
  // The same header as bearerAuth, as a scheme of its own: OpenAPI declares scopes only for OAuth 2
  // schemes, so a role required as `bearerAuth: ['admin']` was one the document never declared.
  adminAuth: {
    type: 'http',
    scheme: 'bearer',
    description:
      "A session token, as for bearerAuth, of a user with the admin role (`shopctl users create <email> --role admin`). No token is a 401; a customer's token is a 403.",
  },
  metricsToken: {
    type: 'http',
    scheme: 'bearer',
    description: 'METRICS_TOKEN, when the service is configured with one',
  },
} as const;

type SecurityRequirement = Record<string, string[]>;

/** Who may call an operation. */
export const security: Record<'customer' | 'admin' | 'optional' | 'none', SecurityRequirement[]> = {
  customer: [{ bearerAuth: [] }],
  admin: [{ adminAuth: [] }],
  /** A signed-in shopper or a guest: the token is optional, but a bad one is still a 401. */
  optional: [{ bearerAuth: [] }, {}],
  none: [],
};

/** A guest's cart is the one its token names; a signed-in shopper's is their own, and the header is ignored. */
export const cartTokenHeaders = z.object({
  'X-Cart-Token': z.string().optional().meta({
    description:
      "A guest's cart token, as the first add answered it. Ignored with a bearer token; on sign-in (register, login) the guest cart is folded into the user's.",
  }),
});

/**
 * Registers one operation with the answers every operation can give: a 500 on a real fault. A
 * request body that is not JSON, too large or unreadable is refused before any route runs, so
 * operations that take one also answer 400, 413 and 415 (`rawBody`: the route reads its body
 * itself, and answers its own).
 */
export function defineOperation(registry: OpenAPIRegistry, route: RouteConfig, { rawBody = false } = {}) {
  const parsed = route.request?.body && !rawBody;
  registry.registerPath({
    ...route,
    // The operation's own description of a status wins over the common one.
    responses: { ...(parsed ? errors(400, 413, 415) : {}), ...errors(500), ...route.responses },
  });
}

/** A JSON request body, required. */
export const body = (schema: ZodType, example?: unknown) => ({
  required: true,
  content: { 'application/json': example === undefined ? { schema } : { schema, example } },
});

export const timestamp = z.iso.datetime({ offset: true }).meta({ description: 'UTC, ISO 8601' });
export const cents = z.number().int().meta({ description: 'Integer minor units (cents)' });
