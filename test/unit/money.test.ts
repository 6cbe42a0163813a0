import { expect } from 'chai';
import { DomainError } from '../../src/shared/errors.js';
import { formatCents, parseAmount } from '../../src/shared/money.js';

function refusal(raw: string, field?: string): DomainError {
  try {
    parseAmount(raw, field);
  } catch (err) {
    return err as DomainError;
  }
  throw new Error(`parseAmount accepted ${JSON.stringify(raw)}`);
}

describe('money (pure)', () => {
  const amounts: [string, number][] = [
    ['12.99', 1299],
    ['0', 0],
    ['5', 500],
    ['5.5', 550],
    ['0.05', 5],
    ['007.10', 710],
    [' 7.10 ', 710],
    ['99999999.99', 9_999_999_999],
  ];
  for (const [raw, cents] of amounts) {
    it(`parses ${JSON.stringify(raw)} as ${cents} cents`, () => {
      expect(parseAmount(raw)).to.equal(cents);
    });
  }

  for (const raw of ['-1', '1.999', '1,50', '', ' ', 'abc', '1e3', '123456789', '.5', '5.', '+5', '0x10']) {
    it(`refuses ${JSON.stringify(raw)} as a 400 validation_failed naming the field`, () => {
      const err = refusal(raw, 'price');
      expect(err).to.be.instanceOf(DomainError);
      expect(err).to.include({ code: 'validation_failed', status: 400 });
      expect(err.message).to.equal(
        `price must be an amount such as 12.99 (at most two decimals), got "${raw}"`,
      );
      expect(err.details).to.deep.equal([
        { path: 'price', message: 'must be a non-negative amount with at most two decimals' },
      ]);
    });
  }

  it('names the field "amount" when the caller names none', () => {
    expect(refusal('x').details).to.deep.equal([
      { path: 'amount', message: 'must be a non-negative amount with at most two decimals' },
    ]);
  });

  it('formats cents with two decimals and the sign in front', () => {
    expect([1299, 5, 0, 100, 10, -5, -1299, 9_999_999_999].map(formatCents)).to.deep.equal([
      '12.99',
      '0.05',
      '0.00',
      '1.00',
      '0.10',
      '-0.05',
      '-12.99',
      '99999999.99',
    ]);
  });

  it('reads back what it formats', () => {
    for (const cents of [0, 1, 9, 10, 99, 100, 101, 1299, 123_456_789]) {
      expect(parseAmount(formatCents(cents))).to.equal(cents);
    }
  });
});
