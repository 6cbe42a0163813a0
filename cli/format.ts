import { formatCents } from '../src/shared/money.js';

export const money = (cents: number) => formatCents(cents);

export const when = (d: Date | string | null | undefined) =>
  d
    ? new Date(d)
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, 'Z')
    : '-';

type Column<T> = [header: string, value: (row: T) => unknown];

/** A plain left-aligned table; at most `max` rows, then a count of the rest. */
export function table<T>(rows: T[], columns: Column<T>[], max = 50): string {
  if (rows.length === 0) return '(none)';
  const shown = rows.slice(0, max);
  const cells = shown.map((r) => columns.map(([, value]) => String(value(r) ?? '')));
  const widths = columns.map(([header], i) => Math.max(header.length, ...cells.map((c) => c[i]!.length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const out = [line(columns.map(([h]) => h)), ...cells.map(line)];
  if (rows.length > max) out.push(`… and ${rows.length - max} more (use --json for all)`);
  return out.join('\n');
}

export const examples = (...lines: string[]) => `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}`;
