import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { DomainError } from '../src/shared/errors.js';
import { describeIssues } from '../src/shared/zod.js';
import { CliError } from './context.js';
import { CsvError, parseCsv } from './csv.js';
import { readWholeNumber } from './options.js';

export interface CsvRow {
  line: number;
  values: Record<string, string>;
}

export interface RowError {
  line: number;
  message: string;
}

export interface Columns {
  required: readonly string[];
  optional?: readonly string[];
}

/**
 * Reads a CSV file whose header names its columns. Fatal (nothing can be trusted): an unreadable
 * file, a syntax error such as a truncated quoted field, a header with an unknown, missing or
 * repeated column. Per row (skippable): the wrong number of fields.
 */
export async function readCsvTable(file: string, columns: Columns) {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new CliError(
      `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  let records: ReturnType<typeof parseCsv>;
  try {
    records = parseCsv(text);
  } catch (err) {
    if (err instanceof CsvError) throw new CliError(`${file}: ${err.message}`);
    throw err;
  }
  const [head, ...body] = records;
  const known = [...columns.required, ...(columns.optional ?? [])];
  const expected = `expected columns: ${columns.required.join(',')}${columns.optional?.length ? ` (optional: ${columns.optional.join(',')})` : ''}`;
  if (!head) throw new CliError(`${file}: the file is empty; ${expected}`);
  const header = head.fields.map((f) => f.trim());
  const problems = [
    ...header.filter((h) => !known.includes(h)).map((h) => `unknown column "${h}"`),
    ...header.filter((h, i) => header.indexOf(h) !== i).map((h) => `column "${h}" appears twice`),
    ...columns.required.filter((c) => !header.includes(c)).map((c) => `missing column "${c}"`),
  ];
  if (problems.length) throw new CliError(`${file} line ${head.line}: ${problems.join(', ')}; ${expected}`);

  const rows: CsvRow[] = [];
  const errors: RowError[] = [];
  for (const record of body) {
    if (record.fields.length !== header.length) {
      errors.push({
        line: record.line,
        message: `expected ${header.length} fields, found ${record.fields.length}`,
      });
      continue;
    }
    rows.push({
      line: record.line,
      values: Object.fromEntries(header.map((h, i) => [h, record.fields[i]!])),
    });
  }
  return { rows, errors };
}

function messagesOf(err: unknown): string {
  if (err instanceof z.ZodError) {
    return describeIssues(err);
  }
  if (err instanceof DomainError || err instanceof CliError) return err.message;
  throw err;
}

/**
 * Converts every row, collecting each bad one by line instead of stopping at the first. A repeated
 * key (SKU) is an error on its later line: applying both would make the result depend on order.
 */
export function convertRows<T>(
  rows: CsvRow[],
  convert: (values: Record<string, string>) => T,
  key: (value: T) => string,
  initialErrors: RowError[] = [],
) {
  const valid: { line: number; value: T }[] = [];
  const errors = [...initialErrors];
  const seen = new Map<string, number>();
  for (const row of rows) {
    let value: T;
    try {
      value = convert(row.values);
    } catch (err) {
      errors.push({ line: row.line, message: messagesOf(err) });
      continue;
    }
    const k = key(value);
    const first = seen.get(k);
    if (first !== undefined) {
      errors.push({ line: row.line, message: `duplicate SKU "${k}" (first on line ${first})` });
      continue;
    }
    seen.set(k, row.line);
    valid.push({ line: row.line, value });
  }
  errors.sort((a, b) => a.line - b.line);
  return { valid, errors };
}

/**
 * Reads a SKU-keyed CSV for an all-or-nothing change: every row converted, or a CliError listing
 * each bad line and nothing applied. Answers the values and the line each SKU came from.
 */
export async function readSkuCsv<T extends { sku: string }>(
  file: string,
  required: string[],
  convert: (values: Record<string, string>) => T,
) {
  const { rows, errors: shapeErrors } = await readCsvTable(file, { required });
  const { valid, errors } = convertRows(rows, convert, (v) => v.sku, shapeErrors);
  if (errors.length) {
    throw new CliError(
      `${describeErrors(errors)}\n${errors.length} bad row(s) in ${file}; nothing was changed`,
    );
  }
  if (valid.length === 0) throw new CliError(`${file} has no rows`);
  return { values: valid.map((r) => r.value), lines: new Map(valid.map((r) => [r.value.sku, r.line])) };
}

export const describeErrors = (errors: RowError[], max = 50) =>
  [
    ...errors.slice(0, max).map((e) => `line ${e.line}: ${e.message}`),
    ...(errors.length > max ? [`… and ${errors.length - max} more`] : []),
  ].join('\n');

/** Turns the services' "Unknown SKU" (not_found with details.skus) into the CSV lines that named them. */
export function unknownSkusByLine(err: unknown, lines: Map<string, number>): never {
  const skus = (err as DomainError)?.details as { skus?: string[] } | undefined;
  if (err instanceof DomainError && err.code === 'not_found' && skus?.skus) {
    const named = skus.skus.map((s) => `line ${lines.get(s) ?? '?'}: unknown SKU "${s}"`);
    throw new CliError(`${named.join('\n')}\nnothing was changed`);
  }
  throw err;
}

/** A CSV field such as stock or quantity: "12" → 12; anything else (negative, fraction, words) is an error naming the field. */
export function wholeNumber(raw: string, field: string): number {
  const n = readWholeNumber(raw);
  if (n === undefined) throw new CliError(`${field} must be a whole number ≥ 0, got "${raw}"`);
  return n;
}
