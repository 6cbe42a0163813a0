import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { productFromCsv } from '../../cli/commands/products.js';
import { CliError } from '../../cli/context.js';
import { CsvError, parseCsv } from '../../cli/csv.js';
import { convertRows, readCsvTable } from '../../cli/csv-import.js';

const fields = (text: string) => parseCsv(text).map((r) => r.fields);

function csvError(text: string): CsvError {
  try {
    parseCsv(text);
  } catch (err) {
    expect(err).to.be.instanceOf(CsvError);
    return err as CsvError;
  }
  throw new Error('expected a CsvError');
}

describe('CSV parser (RFC 4180)', () => {
  it('splits plain records on LF and CRLF, with or without a final line break', () => {
    expect(fields('a,b,c\n1,2,3\n')).to.deep.equal([
      ['a', 'b', 'c'],
      ['1', '2', '3'],
    ]);
    expect(fields('a,b\r\n1,2')).to.deep.equal([
      ['a', 'b'],
      ['1', '2'],
    ]);
  });

  it('keeps empty fields, including a trailing one', () => {
    expect(fields('a,,c\n,\nx,')).to.deep.equal([
      ['a', '', 'c'],
      ['', ''],
      ['x', ''],
    ]);
  });

  it('reads quoted fields with commas, doubled quotes and line breaks inside', () => {
    expect(fields('"a,b","say ""hi""","two\r\nlines",""\n')).to.deep.equal([
      ['a,b', 'say "hi"', 'two\r\nlines', ''],
    ]);
  });

  it('numbers each record by the line it starts on, past multi-line fields and blank lines', () => {
    const records = parseCsv('h1,h2\n"x\ny\nz",1\n\n\r\nlast,2\n');
    expect(records.map((r) => r.line)).to.deep.equal([1, 2, 7]);
    expect(records[2]!.fields).to.deep.equal(['last', '2']);
  });

  it('drops a UTF-8 byte order mark (spreadsheet exports)', () => {
    expect(fields('\uFEFFsku,name\n')).to.deep.equal([['sku', 'name']]);
  });

  it('keeps a line of just "" as one empty field, unlike a blank line', () => {
    expect(fields('a\n""\n\nb')).to.deep.equal([['a'], [''], ['b']]);
  });

  it('refuses a truncated file: an unterminated quote names the line its record starts on', () => {
    const err = csvError('sku,name\nA,ok\nB,"cut off here\nand more');
    expect(err.line).to.equal(3);
    expect(err.message).to.match(/^line 3: .*never closed.*truncated/);
  });

  it('refuses a stray quote inside an unquoted field, and text after a closing quote', () => {
    expect(csvError('a,b\nx,ab"c\n').message).to.equal(
      'line 2: a quote inside an unquoted field (field 2: quote the whole field and double the quote)',
    );
    expect(csvError('a\n"x"y\n').message).to.equal(
      'line 2: unexpected text after a closing quote (field 1: a quote inside a field must be doubled)',
    );
  });

  it('ends a record at a lone CR too, and reads files that mix line endings', () => {
    expect(fields('a,b\r1,2\r"x\ry",3')).to.deep.equal([
      ['a', 'b'],
      ['1', '2'],
      ['x\ry', '3'],
    ]);
    const records = parseCsv('h\n1\r\n2\r3\n');
    expect(records.map((r) => [r.line, r.fields])).to.deep.equal([
      [1, ['h']],
      [2, ['1']],
      [3, ['2']],
      [4, ['3']],
    ]);
  });

  it('skips only empty lines: a line of spaces or a lone comma is a record', () => {
    expect(parseCsv('a\n  \n,\n').map((r) => [r.line, r.fields])).to.deep.equal([
      [1, ['a']],
      [2, ['  ']],
      [3, ['', '']],
    ]);
    expect(parseCsv('')).to.deep.equal([]);
    expect(parseCsv('\n\r\n\n')).to.deep.equal([]);
  });

  it('numbers records after leading blank lines and a BOM', () => {
    const records = parseCsv('\uFEFF\n\nsku\n\n"a\nb"\n\n\nc');
    expect(records.map((r) => [r.line, r.fields])).to.deep.equal([
      [3, ['sku']],
      [5, ['a\nb']],
      [9, ['c']],
    ]);
  });

  it('keeps records of different lengths (the importer reports them by line)', () => {
    expect(fields('a,b\n1\n1,2,3\n')).to.deep.equal([['a', 'b'], ['1'], ['1', '2', '3']]);
  });

  it('names the line of the unterminated record past blank lines and multi-line records', () => {
    const err = csvError('sku,name\n"A\nB",ok\n\n\nC,"cut off\nhere');
    expect(err.line).to.equal(6);
    expect(err.message).to.match(/^line 6: .*never closed/);
  });

  it('names a stray quote by the line its record starts on and the field, past multi-line fields', () => {
    expect(csvError('a\n"x\ny"z\n').message).to.match(
      /^line 2: unexpected text after a closing quote \(field 1:/,
    );
    expect(csvError('a\n"x\ny",ab"c\n').message).to.match(
      /^line 2: a quote inside an unquoted field \(field 2:/,
    );
    // A quote that does not open the field (here after a space) is a stray quote, not a quoted field.
    expect(csvError('a\n "x"\n').message).to.match(/^line 2: a quote inside an unquoted field/);
  });

  it('counts a CRLF inside a quoted field as one line, for the records and errors after it', () => {
    const text = 'h\r\n"a\r\nb\r\nc"\r\n\r\nd\r\n';
    expect(parseCsv(text).map((r) => r.line)).to.deep.equal([1, 2, 6]);
    expect(csvError(`${text}e,x"y\r\n`).line).to.equal(7);
    expect(csvError(`${text}"e\r\nf",x"y\r\n`).line).to.equal(7);
    expect(csvError(`${text}\r\n"cut\r\noff`).line).to.equal(8);
  });

  it('parses 100k rows quickly', () => {
    const text = `sku,name\n${Array.from({ length: 100_000 }, (_, i) => `S-${i},"Item, ${i}"`).join('\n')}`;
    const started = Date.now();
    const records = parseCsv(text);
    expect(records).to.have.length(100_001);
    expect(records[100_000]!.fields).to.deep.equal(['S-99999', 'Item, 99999']);
    // Well under a second on an idle machine: the bound is there to catch work that grows faster
    // than the file, not to time the parser on a busy one.
    expect(Date.now() - started).to.be.below(5_000);
  });
});

describe('product CSV rows', () => {
  const row = (v: Record<string, string>) => ({
    sku: 'MUG-1',
    name: 'Mug',
    category: 'kitchen',
    price: '12.99',
    ...v,
  });

  it('converts a row: price as an amount, stock and active with defaults', () => {
    expect(productFromCsv(row({}))).to.deep.equal({
      sku: 'MUG-1',
      name: 'Mug',
      description: '',
      category: 'kitchen',
      price_cents: 1299,
      stock: 0,
      active: true,
    });
    expect(productFromCsv(row({ stock: '7', active: 'no', price: '3' }))).to.include({
      stock: 7,
      active: false,
      price_cents: 300,
    });
  });

  it('names every bad field of a row in one message', () => {
    expect(() => productFromCsv(row({ price: '1.999', stock: '-1', active: 'maybe', name: '' }))).to.throw(
      /price must be an amount.*"1\.999".*stock must be a whole number.*active must be true or false.*name is required/,
    );
    expect(() => productFromCsv(row({ category: 'Bad Cat' }))).to.throw(/category must be a slug/);
  });

  it('reports bad rows and repeated SKUs by line, keeping the good ones', () => {
    const { valid, errors } = convertRows(
      [
        { line: 2, values: row({}) },
        { line: 3, values: row({ sku: 'MUG-2', price: 'x' }) },
        { line: 4, values: row({ name: 'Again' }) },
      ],
      productFromCsv,
      (p) => p.sku,
    );
    expect(valid.map((v) => v.line)).to.deep.equal([2]);
    expect(errors).to.deep.equal([
      { line: 3, message: 'price must be an amount such as 12.99 (at most two decimals), got "x"' },
      { line: 4, message: 'duplicate SKU "MUG-1" (first on line 2)' },
    ]);
  });
});

describe('CSV tables (header and rows)', () => {
  let dir: string;
  const file = (text: string) => {
    const name = path.join(dir, `t${Math.random().toString(36).slice(2)}.csv`);
    writeFileSync(name, text);
    return name;
  };
  const columns = { required: ['sku', 'name'], optional: ['stock'] };
  const failure = async (text: string) => {
    try {
      await readCsvTable(file(text), columns);
    } catch (err) {
      expect(err).to.be.instanceOf(CliError);
      return (err as CliError).message;
    }
    throw new Error('expected a CliError');
  };

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'csv-table-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('maps rows by the header (BOM dropped, names trimmed), each with the line it starts on', async () => {
    const { rows, errors } = await readCsvTable(
      file('\uFEFFsku, name \r\nA,"Mug,\r\nblue"\r\n\r\nB,Cup\r\n'),
      columns,
    );
    expect(errors).to.deep.equal([]);
    expect(rows).to.deep.equal([
      { line: 2, values: { sku: 'A', name: 'Mug,\r\nblue' } },
      { line: 5, values: { sku: 'B', name: 'Cup' } },
    ]);
  });

  it('reports a row with the wrong number of fields by its line and keeps the others', async () => {
    const { rows, errors } = await readCsvTable(file('sku,name\nA\n"B\n",x\nC,y,z\nD,ok\n'), columns);
    expect(rows.map((r) => r.line)).to.deep.equal([3, 6]);
    expect(errors).to.deep.equal([
      { line: 2, message: 'expected 2 fields, found 1' },
      { line: 5, message: 'expected 2 fields, found 3' },
    ]);
  });

  it('refuses the whole file for a syntax error, a bad header or no header, naming the file and line', async () => {
    expect(await failure('sku,name\nA,ok\nB,"cut')).to.match(/\.csv: line 3: a quoted field is never closed/);
    expect(await failure('\n\nsku,nam,sku\n')).to.match(
      /\.csv line 3: unknown column "nam", column "sku" appears twice, missing column "name"; expected columns: sku,name \(optional: stock\)$/,
    );
    expect(await failure('\n\r\n')).to.match(/\.csv: the file is empty; expected columns/);
    expect(await failure('sku,name\nA,x"y\n')).to.match(/\.csv: line 2: a quote inside an unquoted field/);
  });
});
