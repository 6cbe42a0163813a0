import type { Command } from 'commander';
import type { ReconcileReport } from '../../src/audit/index.js';
import { cliActor, exitQuietly, type GlobalOptions, print, withContainer } from '../context.js';
import { examples } from '../format.js';

/** Invariants 1–6 of DESIGN.md; exits 1 when any is broken, so cron and CI can gate on it. */
export async function auditOversell(json?: boolean) {
  const report = await withContainer(async (c) => {
    const started = Date.now();
    const result = await c.admin.audit();
    return { ...result, ms: Date.now() - started };
  });
  print(json, report, () =>
    report.ok
      ? `OK: ${report.checked.products} products and ${report.checked.orders} orders hold every invariant (${report.ms} ms)`
      : [
          `FAILED: ${report.violations.length} violation(s) in ${report.checked.products} products, ${report.checked.orders} orders`,
          ...report.violations.map((v) => `  invariant ${v.invariant} ${v.name}: ${v.subject}: ${v.message}`),
        ].join('\n'),
  );
  if (!report.ok) throw exitQuietly(1);
}

const counts = (s: { available: number; reserved: number; sold: number }) =>
  `available ${s.available}, reserved ${s.reserved}, sold ${s.sold}`;

function describeDrift(r: ReconcileReport, fix: boolean) {
  if (r.counters.length === 0 && r.cache.length === 0)
    return 'no drift: counters match the ledger and reservations, and the cache matches PostgreSQL';
  return [
    ...r.counters.map(
      (d) =>
        `${d.sku}: counters ${counts(d.counters)}; truth ${counts(d.truth)}${d.fixable ? '' : ' (NOT fixable: the ledger itself is inconsistent)'}`,
    ),
    ...r.cache.map(
      (d) =>
        `${d.sku}: cache says available ${d.cached.available}, price ${d.cached.price_cents}; database ${d.db.available}, ${d.db.price_cents}`,
    ),
    fix
      ? `fixed ${r.fixed.counters} counter row(s) and dropped ${r.fixed.cache} stale cache entr${r.fixed.cache === 1 ? 'y' : 'ies'}`
      : `${r.counters.length} counter drift(s), ${r.cache.length} stale cache entr${r.cache.length === 1 ? 'y' : 'ies'}; run with --fix to repair`,
  ].join('\n');
}

/** Exit 1 when drift is found and not (or not entirely) repaired. */
export async function reconcileStock(fix: boolean, json?: boolean) {
  const report = await withContainer((c) => c.admin.reconcile({ fix, actor: cliActor() }));
  print(json, { ...report, fix }, () => describeDrift(report, fix));
  const drift = report.counters.length + report.cache.length > 0;
  const unfixed = report.counters.filter((d) => !d.fixable).length;
  if ((drift && !fix) || unfixed > 0) throw exitQuietly(1);
}

export function registerAuditCommands(program: Command) {
  const audit = program.command('audit').description('on-call checks');

  audit
    .command('oversell')
    .description(
      'check the invariants (no oversell, conservation, reservations, totals, idempotency, states)',
    )
    .addHelpText(
      'after',
      `${examples('shopctl audit oversell', 'shopctl audit oversell --json')}
Exit code: 0 when every invariant holds, 1 when any is broken (usable as a cron check or CI gate).`,
    )
    .action((_opts: unknown, cmd: Command) => auditOversell(cmd.optsWithGlobals<GlobalOptions>().json));

  program
    .command('reconcile')
    .description(
      'compare stock counters with the ledger and reservations, and the Redis cache with PostgreSQL',
    )
    .option('--fix', 'rewrite drifted counters from the truth and drop stale cache entries')
    .addHelpText(
      'after',
      `${examples('shopctl reconcile', 'shopctl reconcile --fix --json')}
Exit code: 0 when there is no drift (or --fix repaired all of it), 1 otherwise.`,
    )
    .action((opts: { fix?: boolean }, cmd: Command) =>
      reconcileStock(Boolean(opts.fix), cmd.optsWithGlobals<GlobalOptions>().json),
    );
}
