/** A CSV syntax error, with the 1-based line it was found on. */
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

/**
 * RFC 4180: comma-separated, fields optionally in double quotes, a quote inside a quoted field
 * doubled, records ended by CRLF or LF (a quoted field may contain either). Strict where a lenient
 * parser would guess: a stray quote or an unterminated quoted field is an error naming its line,
 * because a half-read file must never import as if it were whole. Blank lines are skipped.
 */
export function parseCsv(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  const s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const n = s.length;
  let i = 0;
  let line = 1;

  while (i < n) {
    const start = line;
    const fields: string[] = [];
    let blank = true;
    for (;;) {
      let value = '';
      if (s[i] === '"') {
        blank = false;
        const opened = line;
        i++;
        for (;;) {
          const quote = s.indexOf('"', i);
          if (quote === -1) {
            throw new CsvError('a quoted field is never closed (the file may be truncated)', opened);
          }
          const chunk = s.slice(i, quote);
          line += countLines(chunk);
          value += chunk;
          i = quote + 1;
          if (s[i] !== '"') break;
          value += '"';
          i++;
        }
        if (i < n && s[i] !== ',' && s[i] !== '\n' && s[i] !== '\r') {
          throw new CsvError(
            'unexpected text after a closing quote (a quote inside a field must be doubled)',
            line,
          );
        }
      } else {
        let j = i;
        while (j < n && s[j] !== ',' && s[j] !== '\n' && s[j] !== '\r') j++;
        value = s.slice(i, j);
        if (value.includes('"')) {
          throw new CsvError(
            'a quote inside an unquoted field (quote the whole field and double the quote)',
            line,
          );
        }
        if (value !== '') blank = false;
        i = j;
      }
      fields.push(value);
      if (s[i] === ',') {
        blank = false;
        i++;
        continue;
      }
      // End of record: CRLF, LF, a lone CR, or the end of the text.
      if (s[i] === '\r') i++;
      if (s[i] === '\n') i++;
      line++;
      break;
    }
    if (!blank) records.push({ line: start, fields });
  }
  return records;
}

function countLines(chunk: string): number {
  let count = 0;
  for (let k = 0; k < chunk.length; k++) {
    const c = chunk.charCodeAt(k);
    if (c === 10) count++;
    // A lone CR is a line break too; CRLF counts once (at the LF).
    else if (c === 13 && chunk.charCodeAt(k + 1) !== 10) count++;
  }
  return count;
}
