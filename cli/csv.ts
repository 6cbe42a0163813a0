import { CsvError as ParseError, parse } from 'csv-parse/sync';

/** A CSV syntax error, with the 1-based line its record starts on. */
export class CsvError extends Error {
  override name = 'CsvError';
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
  }
}

export interface CsvRecord {
  /** The line the record starts on (a quoted field may run over several lines). */
  line: number;
  fields: string[];
}

// What to fix in the file, in place of csv-parse's account of its own state.
const MESSAGES: Partial<Record<ParseError['code'], (field: number) => string>> = {
  CSV_QUOTE_NOT_CLOSED: () => 'a quoted field is never closed (the file may be truncated)',
  INVALID_OPENING_QUOTE: (field) =>
    `a quote inside an unquoted field (field ${field}: quote the whole field and double the quote)`,
  CSV_INVALID_CLOSING_QUOTE: (field) =>
    `unexpected text after a closing quote (field ${field}: a quote inside a field must be doubled)`,
};

const LINE_BREAK = /\r\n|\r|\n/g;

/**
 * RFC 4180, read by csv-parse: comma-separated, fields optionally in double quotes, a quote inside
 * a quoted field doubled, records ended by CRLF, LF or CR (a quoted field may contain any). Strict
 * where a lenient parser would guess: a stray quote or an unterminated quoted field is an error
 * naming the line its record starts on, because a half-read file must never import as if it were
 * whole. Blank lines are skipped; records may differ in length (the caller reports those by line).
 */
export function parseCsv(text: string): CsvRecord[] {
  // Line numbers are counted here, not taken from csv-parse's `lines`, which counts a CRLF inside
  // a quoted field as two lines and so runs ahead for the rest of the file. A record starts on the
  // line after the previous one ended, past the blank lines csv-parse skipped in between; it ends
  // as many lines further down as its quoted fields hold line breaks.
  let endedOn = 0;
  let skippedBefore = 0;
  const startOfNext = (skipped: number) => endedOn + 1 + (skipped - skippedBefore);
  const starts: number[] = [];
  let records: string[][];
  try {
    records = parse(text, {
      bom: true,
      relax_quotes: false,
      relax_column_count: true,
      skip_empty_lines: true,
      // Fixed rather than detected: csv-parse would take the first break it meets for the whole file.
      record_delimiter: ['\r\n', '\n', '\r'],
      on_record: (fields, { empty_lines }) => {
        const start = startOfNext(empty_lines);
        let breaks = 0;
        for (const field of fields) breaks += field.match(LINE_BREAK)?.length ?? 0;
        starts.push(start);
        endedOn = start + breaks;
        skippedBefore = empty_lines;
        return fields;
      },
    });
  } catch (err) {
    if (!(err instanceof ParseError)) throw err;
    const describe = MESSAGES[err.code];
    const line = startOfNext(Number(err.empty_lines));
    throw new CsvError(describe ? describe(Number(err.column) + 1) : err.message, line);
  }
  return records.map((fields, i) => ({ line: starts[i]!, fields }));
}
