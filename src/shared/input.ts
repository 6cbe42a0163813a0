import { type ZodType, z } from 'zod';
import { DomainError } from './errors.js';
import type { AppContext } from './http.js';

/** How deep a request body may nest: the API's own shapes need 3 levels. */
export const MAX_INPUT_DEPTH = 32;

const wellFormed = (text: string) => (text as string & { isWellFormed(): boolean }).isWellFormed();

/**
 * Every string of a request, keys included, before any of it reaches SQL: PostgreSQL text holds
 * neither NUL nor a lone UTF-16 surrogate (`\ud800`), and a cast that meets one fails the whole
 * statement. Walked without recursion and to a bounded depth, so a deeply nested body costs a
 * linear scan and a 400, not a stalled process.
 */
function checkInput(root: unknown): void {
  const stack: { value: unknown; depth: number; path: () => string }[] = [
    { value: root, depth: 0, path: () => '' },
  ];
  const refuse = (path: string, message: string) => {
    throw new DomainError('validation_failed', `Invalid request: ${path || '(body)'}`, [{ path, message }]);
  };
  const checkText = (text: string, path: () => string) => {
    if (text.includes('\u0000')) refuse(path(), 'must not contain NUL characters');
    if (!wellFormed(text)) refuse(path(), 'must be valid Unicode text (no unpaired surrogates)');
  };
  while (stack.length) {
    const { value, depth, path } = stack.pop()!;
    if (typeof value === 'string') checkText(value, path);
    else if (value && typeof value === 'object') {
      if (depth >= MAX_INPUT_DEPTH) {
        throw new DomainError(
          'bad_request',
          `Request body is nested too deeply (at most ${MAX_INPUT_DEPTH} levels)`,
        );
      }
      for (const [key, inner] of Object.entries(value)) {
        const at = () => {
          const parent = path();
          return parent ? `${parent}.${key}` : key;
        };
        checkText(key, at);
        stack.push({ value: inner, depth: depth + 1, path: at });
      }
    }
  }
}

export function parseBody<T extends ZodType>(schema: T, ctx: AppContext): z.output<T> {
  const body = (ctx.request as { body?: unknown }).body ?? {};
  checkInput(body);
  return schema.parse(body);
}

export function parseQuery<T extends ZodType>(schema: T, ctx: AppContext): z.output<T> {
  checkInput(ctx.query);
  return schema.parse(ctx.query);
}

export function parseParams<T extends ZodType>(schema: T, params: unknown): z.output<T> {
  return schema.parse(params);
}

export const idParam = z
  .string()
  .regex(/^[1-9]\d{0,15}$/, 'must be a positive integer id')
  .transform(Number)
  .pipe(z.number().max(Number.MAX_SAFE_INTEGER));
export const uuidParam = z.uuid();
