import type { Knex } from 'knex';
import {
  createPostgresSearch,
  EXACT_TOTAL_LIMIT,
  type ProductQuery,
  productQuerySchema,
  type SearchBackend,
} from '../src/catalog/index.js';
import type { Db } from '../src/db/index.js';
import { table } from './report.js';
import { seededDatabase } from './scenario.js';

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
  /** A summary reads the match set unordered; a page may walk a sort index from its start. */
  kind: 'summary' | 'page';
  sql: string;
  bindings: readonly unknown[];
}

export const parseShape = (shape: string): ProductQuery =>
  productQuerySchema.parse(Object.fromEntries(new URLSearchParams(shape)));

/**
 * The statements a backend runs for one shape (its summary, then its first page), as captured
 * from knex. `small` forces the page's strategy; by default the summary's count chooses it.
 */
export async function statementsFor(db: Db, search: SearchBackend, query: ProductQuery, small?: boolean) {
  const seen: ShapeStatement[] = [];
  let kind: ShapeStatement['kind'] = 'summary';
  const listen = (q: { sql: string; bindings?: readonly unknown[] }) => {
    // The typo correction and the planner's estimate are not reads of the catalog, nor are the
    // search's transaction and its settings.
    if (/^EXPLAIN|search_words|^(BEGIN|COMMIT|ROLLBACK)\b|set_config\(/i.test(q.sql.trim())) return;
    if (/FROM search_words/.test(q.sql)) return;
    // knex reports PostgreSQL's $n placeholders, numbered in order; raw() takes ? again.
    seen.push({ kind, sql: q.sql.replace(/\$\d+/g, '?'), bindings: q.bindings ?? [] });
  };
  db.on('query', listen);
  try {
    const summary = await search.summarize(query);
    kind = 'page';
    await search.page(query, small ?? summary.total <= EXACT_TOTAL_LIMIT);
    return { statements: seen, total: summary.total };
  } finally {
    db.off('query', listen);
  }
}

export interface PlanReport {
  ms: number;
  /** Catalog relations read whole (a sequential scan, or an index walked without a condition). */
  seqScans: string[];
  nodes: string[];
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  Filter?: string;
  Plans?: PlanNode[];
}

/**
 * A catalog read whole: a Seq Scan, or (in a summary) an index walked from its start while
 * filtering on what the query asked for (words, category, price, stock), which an index should
 * have sought to. A page may walk a sort index from its start: the keyset walk stops after the
 * page. Beneath a Limit, with nothing between that consumes all input, the planner's bet that
 * matches are dense bounds the read; `strict` (with enable_seqscan off, on a small catalog)
 * takes no such bets.
 */
function walk(node: PlanNode, out: PlanReport, rule: { strict: boolean; page: boolean }, underLimit = false) {
  const type = node['Node Type'];
  out.nodes.push(node['Index Name'] ? `${type} ${node['Index Name']}` : type);
  const limited = !rule.strict && (underLimit || type === 'Limit');
  const relation = node['Relation Name'] ?? '';
  const fullIndex =
    (type === 'Index Scan' || type === 'Index Only Scan') &&
    !node['Index Cond'] &&
    !rule.page &&
    ASKED.test(node.Filter ?? '');
  if ((type === 'Seq Scan' || fullIndex) && !limited && CATALOG.has(relation)) out.seqScans.push(relation);
  const passes = limited && !['Sort', 'Aggregate', 'Hash', 'Materialize'].includes(type);
  for (const child of node.Plans ?? []) walk(child, out, rule, passes);
}

const ASKED = /search_vector|category|price_cents|available_count/;

/** The relations a browse request must never read whole. */
const CATALOG = new Set(['products', 'inventory']);

/**
 * EXPLAIN (ANALYZE, BUFFERS) of one statement, in `conn` (which may have planner settings
 * applied). `strict` flags every sequential scan of the catalog, limited or not: with
 * enable_seqscan off, any that remains means no index could serve.
 */
export async function explain(
  conn: Knex | Knex.Transaction,
  statement: ShapeStatement,
  strict = false,
): Promise<PlanReport> {
  const { rows } = await conn.raw<{
    rows: { 'QUERY PLAN': [{ Plan: PlanNode; 'Execution Time': number; 'Planning Time': number }] }[];
  }>(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${statement.sql}`, statement.bindings as Knex.RawBinding[]);
  const [plan] = rows[0]!['QUERY PLAN'];
  const report: PlanReport = { ms: plan['Execution Time'] + plan['Planning Time'], seqScans: [], nodes: [] };
  walk(plan.Plan, report, { strict, page: statement.kind === 'page' });
  return report;
}

/**
 * Every shape against a copy of the seeded catalog: each statement's plan time + execution time
 * (warm: each shape runs once before it is explained) and the first catalog relation it reads
 * whole, if any. The exit code says whether any did.
 */
export async function browsePlans(databaseUrl: string, products: number): Promise<number> {
  const { db } = await seededDatabase(databaseUrl, 'shop_loadtest_plans', products);
  // One shape at a time, and time enough for the slowest: this measures, it does not serve.
  const search = createPostgresSearch(db, {
    concurrency: 1,
    queue: 0,
    queueWaitMs: 600_000,
    statementTimeoutMs: 600_000,
  });
  const rows: (string | number)[][] = [];
  let whole = 0;
  try {
    for (const shape of BROWSE_SHAPES) {
      const query = parseShape(shape);
      const { statements, total } = await statementsFor(db, search, query);
      const reports = [];
      for (const statement of statements) reports.push(await explain(db, statement));
      const full = reports.flatMap((r) => r.seqScans);
      if (full.length) whole++;
      const [summary, ...pages] = reports;
      rows.push([
        shape,
        total,
        summary ? summary.ms.toFixed(1) : '-',
        pages.map((r) => r.ms.toFixed(1)).join(' + ') || '-',
        full.length ? `READ WHOLE: ${[...new Set(full)].join(', ')}` : 'ok',
      ]);
    }
  } finally {
    await db.destroy();
  }
  process.stdout.write(`\n${table([['shape', 'total', 'summary ms', 'page ms', 'verdict'], ...rows])}\n`);
  if (whole) process.stdout.write(`FAIL: ${whole} shape(s) read the catalog whole\n`);
  return whole ? 1 : 0;
}
