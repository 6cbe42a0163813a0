import type { ResponseConfig, RouteConfig } from '@asteasolutions/zod-to-openapi';
import { type ZodType, z } from 'zod';
import { ERROR_STATUS } from '../shared/errors.js';
import { type ErrorStatus, errorBodies, HEADER_COMPONENTS, type HeaderSpec } from '../shared/openapi.js';
import { describeIssues } from '../shared/zod.js';

/** An answer as a client saw it. Header names in lower case, as Node gives them. */
export interface ObservedResponse {
  method: string;
  /** The request path, with or without its query string. */
  path: string;
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The parsed body of a JSON answer. */
  body: unknown;
  /** The raw body, when the client kept it as text. */
  text?: string;
}

export interface Operation {
  method: string;
  /** The OpenAPI path template, `/orders/{id}`. */
  template: string;
  route: RouteConfig;
}

interface CompiledOperation extends Operation {
  pattern: RegExp;
  /** Fixed segments: `/docs/{file}` and `/docs` both exist, and the more fixed template wins. */
  fixed: number;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// Like @koa/router's defaults: case-insensitive, a trailing slash allowed.
const compile = (template: string) =>
  new RegExp(
    `^${template
      .split(/(\{[^}]+\})/)
      .map((part) => (part.startsWith('{') ? '[^/]+' : escapeRegExp(part)))
      .join('')}/?$`,
    'i',
  );

/** `/orders/:id` (the router's form) as the document writes it, `/orders/{id}`. */
export const toOpenApiPath = (koaPath: string) => koaPath.replace(/:(\w+)/g, '{$1}');

const ERROR_STATUSES = new Set<number>(Object.values(ERROR_STATUS));

const mediaType = (value: string | string[] | undefined) =>
  String(Array.isArray(value) ? value[0] : (value ?? ''))
    .split(';')[0]!
    .trim()
    .toLowerCase();

const headerSpec = (value: unknown): HeaderSpec | undefined => {
  const ref = (value as { $ref?: string }).$ref;
  return ref ? HEADER_COMPONENTS[ref.replace('#/components/headers/', '')] : (value as HeaderSpec);
};

/**
 * Checks answers against the operations of the API document: the status must be one the operation
 * lists, with its media type, its required headers and a body its zod schema accepts. The schemas
 * are the document's own, so what is checked is what is published.
 */
export function createContract(routes: RouteConfig[]) {
  const operations: CompiledOperation[] = routes
    .map((route) => ({
      method: route.method.toUpperCase(),
      template: route.path,
      route,
      pattern: compile(route.path),
      fixed: route.path.split('/').filter((s) => s && !s.startsWith('{')).length,
    }))
    .sort((a, b) => b.fixed - a.fixed);

  function findOperation(method: string, path: string): Operation | undefined {
    const pathname = path.split('?')[0]!;
    // The router answers HEAD for every GET route.
    const asked = method.toUpperCase() === 'HEAD' ? 'GET' : method.toUpperCase();
    return operations.find((op) => op.method === asked && op.pattern.test(pathname));
  }

  function checkBody(schema: ZodType, res: ObservedResponse): string | null {
    const parsed = schema.safeParse(res.body);
    return parsed.success
      ? null
      : `the body does not match the schema: ${describeIssues(parsed.error, { root: '(body)', max: 5 })}`;
  }

  /** What is wrong with an answer; empty when it is what the document says. */
  function check(res: ObservedResponse): string[] {
    const method = res.method.toUpperCase();
    const op = findOperation(method, res.path);
    const where = op ? `${op.method} ${op.template}` : `${method} ${res.path.split('?')[0]}`;
    if (!op) {
      // No operation: the router's own answers (OPTIONS), or an error from before or instead of routing.
      if (method === 'OPTIONS' && res.status < 400) return [];
      if (!ERROR_STATUSES.has(res.status)) return [`${where} is no operation, yet answered ${res.status}`];
      const problem = checkBody(errorBodies[res.status as ErrorStatus], res);
      return problem ? [`${where} → ${res.status}: ${problem}`] : [];
    }

    const declared = op.route.responses[String(res.status)] ?? op.route.responses.default;
    if (!declared || '$ref' in declared) {
      const listed = Object.keys(op.route.responses).join(', ');
      return [`${where} answered ${res.status}, which the document does not list (it lists ${listed})`];
    }
    const config = declared as ResponseConfig;
    const problems: string[] = [];
    const fail = (problem: string) => problems.push(`${where} → ${res.status}: ${problem}`);

    for (const [name, value] of Object.entries(config.headers ?? {})) {
      const spec = headerSpec(value);
      if (spec?.required && !res.headers[name.toLowerCase()]) fail(`the ${name} header is missing`);
    }

    if (method === 'HEAD') return problems;
    const types = Object.keys(config.content ?? {});
    const received = mediaType(res.headers['content-type']);
    if (types.length === 0) {
      if (res.text) fail(`expected no body, got ${JSON.stringify(res.text.slice(0, 80))}`);
      return problems;
    }
    if (!types.includes(received)) {
      fail(`the media type is ${received || 'missing'}, not ${types.join(' or ')}`);
      return problems;
    }
    const media = config.content?.[received];
    const schema = media && 'schema' in media ? media.schema : undefined;
    // Non-JSON answers (HTML, metrics text, assets) are checked for their media type alone.
    if (received === 'application/json' && schema instanceof z.ZodType) {
      const problem = checkBody(schema, res);
      if (problem) fail(problem);
    }
    return problems;
  }

  return { operations: operations as Operation[], findOperation, check };
}

export type Contract = ReturnType<typeof createContract>;
