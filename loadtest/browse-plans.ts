import type { Knex } from 'knex';
import { type ProductQuery, productQuerySchema } from '../src/catalog/schemas.js';
import type { SearchBackend } from '../src/catalog/search.js';
import type { Db } from '../src/db/index.js';

/**
 * Every browse shape the storefront sends: each sort alone, under a category, under a category
 * with a price range and in-stock (one range outside the category's prices), searches broad and
 * narrow, with and without filters, and a page read on from a cursor. Written as query strings,
 * parsed by the route's own schema.
 */
export const BROWSE_SHAPES: string[] = [
  ...['newest', 'price_asc', 'price_desc', 'name'].flatMap((sort) => [
    `sort=${sort}`,
    `category=kitchen&sort=${sort}`,
    `category=kitchen&min_price=2000&max_price=22000&in_stock=true&sort=${sort}`,
    `category=books&min_price=4500&max_price=24500&in_stock=true&sort=${sort}`,
  ]),
  'in_stock=true',
  ...['relevance', 'price_asc', 'newest'].flatMap((sort) => [
    `search=wireless&sort=${sort}`,
    `search=lamp&sort=${sort}`,
    `search=cast%20iron&sort=${sort}`,
    `search=wireles%20headphones&category=audio&min_price=5000&in_stock=true&sort=${sort}`,
  ]),
  'search=xylophone',
];

export interface ShapeStatement {
  sql: string;
  bindings: readonly unknown[];
}

export const parseShape = (shape: string): ProductQuery =>
  productQuerySchema.parse(Object.fromEntries(new URLSearchParams(shape)));

/** The statements a backend runs for one shape (its summary, then its first page), as captured from knex. */
export async function statementsFor(db: Db, search: SearchBackend, query: ProductQuery) {
  const seen: ShapeStatement[] = [];
  const listen = (q: { sql: string; bindings?: readonly unknown[] }) => {
    // The typo correction and the planner's estimate are not reads of the catalog.
    if (/^EXPLAIN|search_words/.test(q.sql.trim()) || /FROM search_words/.test(q.sql)) return;
    // knex reports PostgreSQL's $n placeholders, numbered in order; raw() takes ? again.
    seen.push({ sql: q.sql.replace(/\$\d+/g, '?'), bindings: q.bindings ?? [] });
  };
  db.on('query', listen);
  try {
    const summary = await search.summarize(query);
    await search.page(query, summary.total <= 1_000);
    return { statements: seen, total: summary.total };
  } finally {
    db.off('query', listen);
  }
}

export interface PlanReport {
  ms: number;
  /** Catalog relations read whole by a sequential scan. */
  seqScans: string[];
  nodes: string[];
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

/**
 * A Seq Scan beneath a Limit stops at the limit (the planner expects matches to be dense): a
 * bounded read, like the summary's first EXACT_TOTAL_LIMIT matches. Any other one reads the
 * whole relation.
 */
function walk(node: PlanNode, out: PlanReport, underLimit = false) {
  out.nodes.push(node['Index Name'] ? `${node['Node Type']} ${node['Index Name']}` : node['Node Type']);
  const limited = underLimit || node['Node Type'] === 'Limit';
  if (node['Node Type'] === 'Seq Scan' && !limited && CATALOG.has(node['Relation Name'] ?? ''))
    out.seqScans.push(node['Relation Name']!);
  // A sort or aggregate below the limit consumes all its input: the limit no longer bounds it.
  const passes = limited && !['Sort', 'Aggregate', 'Hash', 'Materialize'].includes(node['Node Type']);
  for (const child of node.Plans ?? []) walk(child, out, passes);
}

/** The relations a browse request must never read whole. */
const CATALOG = new Set(['products', 'inventory']);

/** EXPLAIN (ANALYZE, BUFFERS) of one statement, in `conn` (which may have planner settings applied). */
export async function explain(conn: Knex | Knex.Transaction, statement: ShapeStatement): Promise<PlanReport> {
  const { rows } = await conn.raw<{
    rows: { 'QUERY PLAN': [{ Plan: PlanNode; 'Execution Time': number; 'Planning Time': number }] }[];
  }>(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${statement.sql}`, statement.bindings as Knex.RawBinding[]);
  const [plan] = rows[0]!['QUERY PLAN'];
  const report: PlanReport = { ms: plan['Execution Time'] + plan['Planning Time'], seqScans: [], nodes: [] };
  walk(plan.Plan, report);
  return report;
}
