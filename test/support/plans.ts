import type { Knex } from 'knex';

/** A scan of one table in an executed plan: how many times it ran and the rows it read each time. */
export interface PlanScan {
  node: string;
  index: string | null;
  loops: number;
  /** Rows per loop, those a filter removed included. */
  rows: number;
}

/**
 * Runs `sql` under EXPLAIN (ANALYZE) in `trx` and answers every scan of `relation` in its plan:
 * what a query really read, whatever plan the statistics of the moment chose.
 */
export async function scansOf(
  trx: Knex.Transaction,
  sql: string,
  bindings: readonly unknown[],
  relation: string,
): Promise<PlanScan[]> {
  const { rows: plan } = await trx.raw<{ rows: { 'QUERY PLAN': unknown }[] }>(
    `EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`,
    bindings as Knex.RawBinding[],
  );
  const scans: PlanScan[] = [];
  const walk = (node: Record<string, unknown>) => {
    if (node['Relation Name'] === relation) {
      scans.push({
        node: String(node['Node Type']),
        index: (node['Index Name'] as string | undefined) ?? null,
        loops: Number(node['Actual Loops']),
        rows: Number(node['Actual Rows']) + Number(node['Rows Removed by Filter'] ?? 0),
      });
    }
    for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? []) walk(child);
  };
  walk((plan[0]!['QUERY PLAN'] as { Plan: Record<string, unknown> }[])[0]!.Plan);
  return scans;
}
