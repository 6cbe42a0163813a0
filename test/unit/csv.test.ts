import { expect } from 'chai';
import { productFromCsv } from '../../cli/commands/products.js';
import { CsvError, parseCsv } from '../../cli/csv.js';
import { convertRows } from '../../cli/csv-import.js';

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

  it('refuses a truncated file: an unterminated quote names the line it opened on', () => {
    const err = csvError('sku,name\nA,ok\nB,"cut off here\nand more');
    expect(err.line).to.equal(3);
    expect(err.message).to.match(/^line 3: .*never closed.*truncated/);
  });

  it('refuses a stray quote inside an unquoted field, and text after a closing quote', () => {
    expect(csvError('a,b\nx,ab"c\n').message).to.match(/^line 2: a quote inside an unquoted field/);
    expect(csvError('a\n"x"y\n').message).to.match(/^line 2: unexpected text after a closing quote/);
  });

  it('parses 100k rows quickly', () => {
    const text = `sku,name\n${Array.from({ length: 100_000 }, (_, i) => `S-${i},"Item, ${i}"`).join('\n')}`;
    const started = Date.now();
    const records = parseCsv(text);
    expect(records).to.have.length(100_001);
    expect(records[100_000]!.fields).to.deep.equal(['S-99999', 'Item, 99999']);
    expect(Date.now() - started).to.be.below(2_000);
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
