import { formatCents } from '../src/shared/money.js';

/** What a terminal acts on rather than prints: C0 and C1 controls, DEL, and the bidi controls. */
const CONTROLS = /[\p{Cc}\p{Bidi_Control}]/gu;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
const hex = (c: string, digits: number) => c.charCodeAt(0).toString(16).padStart(digits, '0');

/**
 * Text from outside (a customer's cancel reason or address, a product name, a scraped error) as
 * shopctl shows it: every control character written out (`\x1b`, `\x9b`, `\u202e`), so none can
 * clear or rewrite the operator's screen, set their clipboard (OSC 52), or reorder what they read.
 * Its output holds none, so applying it twice changes nothing.
 */
export const inert = (text: string) =>
  text.replace(CONTROLS, (c) => NAMED[c] ?? (c <= '\xff' ? `\\x${hex(c, 2)}` : `\\u${hex(c, 4)}`));

/** A report for a person: every line made inert, and only the newlines between them kept. */
export const forTerminal = (text: string) => text.split('\n').map(inert).join('\n');

/**
 * `--json`. JSON.stringify escapes C0 controls but not DEL, C1 or the bidi controls, and JSON is
 * read on terminals too: those are written as \u escapes as well, which parse back to the same
 * strings. The only raw control left is the indentation's newline.
 */
export const toJson = (data: unknown, indent?: number) =>
  JSON.stringify(data, null, indent).replace(CONTROLS, (c) => (c === '\n' ? c : `\\u${hex(c, 4)}`));

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
  // One row per line, whatever a cell holds.
  const cells = shown.map((r) => columns.map(([, value]) => inert(String(value(r) ?? ''))));
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
