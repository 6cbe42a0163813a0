/** The closed set of error codes the API speaks, each with its one HTTP status. */
export const ERROR_STATUS = {
  validation_failed: 400,
  bad_request: 400,
  idempotency_key_missing: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  already_exists: 409,
  insufficient_stock: 409,
  out_of_stock: 409,
  invalid_transition: 409,
  purchase_limit: 409,
  cart_converted: 409,
  cart_empty: 409,
  cart_not_found: 404,
  idempotency_in_progress: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  idempotency_key_reused: 422,
  unprocessable: 422,
  quantity_limit_exceeded: 422,
  cart_full: 422,
  rate_limited: 429,
  internal: 500,
  service_unavailable: 503,
  search_busy: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class DomainError extends Error {
  override name = 'DomainError';
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.status = ERROR_STATUS[code];
  }
}

/** The one error body of the HTTP contract: `{error: {code, message, details?}}`. */
export const errorBody = (e: { code: string; message: string; details?: unknown }) => ({
  error:
    e.details === undefined
      ? { code: e.code, message: e.message }
      : { code: e.code, message: e.message, details: e.details },
});

export const notFound = (what: string, details?: unknown) =>
  new DomainError('not_found', `${what} not found`, details);

export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const pgErr = err as { code?: string; constraint?: string } | null;
  return pgErr?.code === '23505' && (constraint === undefined || pgErr.constraint === constraint);
}
