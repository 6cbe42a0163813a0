import { expect } from 'chai';
import { forTerminal, inert, toJson } from '../../cli/format.js';

describe('shopctl output: control characters made inert', () => {
  const every = Array.from({ length: 0xa0 }, (_, i) => String.fromCharCode(i)).join('');
  const bidi = '\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069';

  it('writes out C0, DEL, C1 and bidi controls, and leaves printable text as it is', () => {
    expect(inert('\x1b]52;c;aGk=\x07 \u009b2J \u202eevil')).to.equal(
      '\\x1b]52;c;aGk=\\x07 \\x9b2J \\u202eevil',
    );
    expect(inert('a\nb\r\tc\x7f')).to.equal('a\\nb\\r\\tc\\x7f');
    const printable = 'Café → 東京 😀 \\x1b ~ ¡ÿ';
    expect(inert(printable)).to.equal(printable);
    expect(inert(every + bidi)).to.not.match(/[\p{Cc}\p{Bidi_Control}]/u);
    expect(inert(inert(every + bidi))).to.equal(inert(every + bidi));
  });

  it('keeps the newlines between the lines of a report, and only those', () => {
    expect(forTerminal('one\x1b[2J\ntwo\r')).to.equal('one\\x1b[2J\ntwo\\r');
  });

  it('JSON: no raw control but the indentation newline, and it parses back to the same value', () => {
    const data = { reason: every + bidi, [`key${bidi}`]: ['\u009b'] };
    for (const indent of [undefined, 2]) {
      const text = toJson(data, indent);
      expect(text.replace(/\n/g, '')).to.not.match(/[\p{Cc}\p{Bidi_Control}]/u);
      expect(JSON.parse(text)).to.deep.equal(data);
    }
  });
});
