import { z } from 'zod';

/** One problem of a zod error: where (a dotted path, '' at the root) and what. */
export interface IssueDetail {
  path: string;
  message: string;
}

/**
 * Each issue as {path, message}. With `unknownFields`, an unrecognized key is named by its own
 * path ("unknown field(s): role"), as the API's 400s say it; otherwise zod's own message stands
 * at the object's path.
 */
export function formatIssues(error: z.ZodError, { unknownFields = false } = {}): IssueDetail[] {
  return error.issues.map((issue) =>
    unknownFields && issue.code === 'unrecognized_keys'
      ? {
          path: [...issue.path, ...issue.keys].join('.'),
          message: `unknown field(s): ${issue.keys.join(', ')}`,
        }
      : { path: issue.path.join('.'), message: issue.message },
  );
}

export interface DescribeOptions {
  /** What names the root ("input", "(body)"); without it a root issue is its message alone. */
  root?: string;
  /** At most this many issues. */
  max?: number;
  separator?: string;
  /** Before each issue. */
  indent?: string;
}

/** The issues as text, "path: message" each, joined with '; ' unless told otherwise. */
export function describeIssues(
  error: z.ZodError,
  { root, max = Number.POSITIVE_INFINITY, separator = '; ', indent = '' }: DescribeOptions = {},
): string {
  return formatIssues(error)
    .slice(0, max)
    .map(({ path, message }) => {
      const where = path || root;
      return `${indent}${where === undefined ? message : `${where}: ${message}`}`;
    })
    .join(separator);
}

/**
 * An integer in a query string: digits alone, at most `digits` of them (no sign, space, exponent,
 * hex or decimal point), read as a number before `schema` checks its range, so that the API
 * document types it as an integer with that range and the route's default. Anything else is a 400:
 * `message` for a string, zod's "expected string" for a repeated key. (z.coerce.number() would
 * also take ' 5', '1e1', '0x10', '5.0' and ['5'].)
 */
export function queryInteger<T extends z.ZodType<number, number>>(
  schema: T,
  { message, digits = 9 }: { message: string; digits?: number },
) {
  const pattern = new RegExp(`^\\d{1,${digits}}$`);
  return z.preprocess((value, ctx) => {
    if (typeof value !== 'string') ctx.addIssue({ code: 'invalid_type', expected: 'string', input: value });
    else if (!pattern.test(value)) ctx.addIssue({ code: 'custom', message, input: value });
    else return Number(value);
    return z.NEVER;
  }, schema);
}
