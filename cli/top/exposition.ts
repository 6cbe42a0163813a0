/**
 * The Prometheus text exposition format (version 0.0.4, what prom-client serves): `# HELP` and
 * `# TYPE` comments, then one sample a line, `name{label="value",…} value [timestamp]`.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  samples: Sample[];
  /** Family name → counter, gauge, histogram, summary or untyped. */
  types: Map<string, string>;
}

export class ExpositionError extends Error {
  override name = 'ExpositionError';
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;

function parseValue(raw: string, line: number): number {
  if (raw === '+Inf' || raw === 'Inf') return Number.POSITIVE_INFINITY;
  if (raw === '-Inf') return Number.NEGATIVE_INFINITY;
  if (raw === 'NaN') return Number.NaN;
  const value = Number(raw);
  if (raw === '' || Number.isNaN(value)) throw new ExpositionError(`line ${line}: bad value "${raw}"`);
  return value;
}

/** `{a="1",b="x\"y"}` from position `at` (just past the brace); returns the labels and where they end. */
function parseLabels(text: string, at: number, line: number) {
  const labels: Record<string, string> = {};
  let i = at;
  for (;;) {
    while (text[i] === ' ' || text[i] === ',') i++;
    if (text[i] === '}') return { labels, end: i + 1 };
    const name = LABEL_NAME.exec(text.slice(i))?.[0];
    if (!name) throw new ExpositionError(`line ${line}: bad label name at column ${i + 1}`);
    i += name.length;
    while (text[i] === ' ') i++;
    if (text[i] !== '=' || text[i + 1] !== '"')
      throw new ExpositionError(`line ${line}: expected ="…" after label ${name}`);
    i += 2;
    let value = '';
    for (;;) {
      const c = text[i];
      if (c === undefined) throw new ExpositionError(`line ${line}: unterminated value of label ${name}`);
      i++;
      if (c === '"') break;
      if (c === '\\') {
        const next = text[i++];
        value += next === 'n' ? '\n' : (next ?? '');
      } else value += c;
    }
    labels[name] = value;
  }
}

export function parseExposition(text: string): Exposition {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      const type = /^#\s*TYPE\s+(\S+)\s+(\S+)/.exec(line);
      if (type) types.set(type[1]!, type[2]!);
      continue;
    }
    const name = NAME.exec(line)?.[0];
    if (!name) throw new ExpositionError(`line ${n + 1}: bad metric name`);
    let rest = name.length;
    let labels: Record<string, string> = {};
    if (line[rest] === '{') {
      const parsed = parseLabels(line, rest + 1, n + 1);
      labels = parsed.labels;
      rest = parsed.end;
    }
    // The value, then an optional timestamp (ignored: a scrape is read as of its arrival).
    const [raw = ''] = line.slice(rest).trim().split(/\s+/);
    samples.push({ name, labels, value: parseValue(raw, n + 1) });
  }
  return { samples, types };
}

const matches = (sample: Sample, labels: Record<string, string>) =>
  Object.entries(labels).every(([k, v]) => sample.labels[k] === v);

/** The sum of every series of `name` whose labels include `labels` (0 when there is none). */
export function sumOf(exp: Exposition, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const s of exp.samples) if (s.name === name && matches(s, labels)) total += s.value;
  return total;
}

/** Whether the scrape has any series of `name` (a gauge that is absent is unknown, not zero). */
export const has = (exp: Exposition, name: string) => exp.samples.some((s) => s.name === name);

/** Sums of `name` grouped by the value of one label, for the series that include `labels`. */
export function sumBy(
  exp: Exposition,
  name: string,
  by: string,
  labels: Record<string, string> = {},
): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of exp.samples) {
    if (s.name !== name || !matches(s, labels)) continue;
    const key = s.labels[by] ?? '';
    out.set(key, (out.get(key) ?? 0) + s.value);
  }
  return out;
}

/** A histogram: cumulative counts per upper bound `le` (ascending, the last one +Inf), and the sum. */
export interface Histogram {
  le: number[];
  counts: number[];
  sum: number;
}

/**
 * A histogram family summed over every series whose labels include `labels` (other labels, such
 * as status, are added together bucket by bucket). Null when no series matches.
 */
export function histogramOf(exp: Exposition, name: string, labels: Record<string, string> = {}) {
  const byLe = new Map<number, number>();
  let sum = 0;
  let found = false;
  for (const s of exp.samples) {
    if (!matches(s, labels)) continue;
    if (s.name === `${name}_bucket` && s.labels.le !== undefined) {
      const le = parseValue(s.labels.le, 0);
      byLe.set(le, (byLe.get(le) ?? 0) + s.value);
      found = true;
    } else if (s.name === `${name}_sum`) sum += s.value;
  }
  if (!found) return null;
  const le = [...byLe.keys()].sort((a, b) => a - b);
  return { le, counts: le.map((b) => byLe.get(b)!), sum } satisfies Histogram;
}
