import { InvalidArgumentError } from 'commander';
import { parseDuration } from '../src/shared/duration.js';
import { parseAmount } from '../src/shared/money.js';

/*
 * Commander argument parsers for shopctl's flags and arguments. Each throws InvalidArgumentError,
 * so commander names the flag and the value it got before the message, and shopctl exits 2 before
 * the action runs: a bad number never reaches the database. The menu validates its answers with
 * the same functions.
 */

// At most nine digits: far below Number's exact range and PostgreSQL's integer. No "1e3", "0x10"
// or "12.0", which Number() would accept.
const WHOLE = /^\d{1,9}$/;
const SIGNED = /^[+-]?\d{1,9}$/;

/** "12" → 12 ("+5" and "-3" too when signed); undefined for anything else. */
export function readWholeNumber(raw: string, { signed = false } = {}): number | undefined {
  const value = raw.trim();
  return (signed ? SIGNED : WHOLE).test(value) ? Number(value) : undefined;
}

function wholeNumberIn(min: number, max: number | undefined, also = '') {
  const range = max === undefined ? `≥ ${min}` : `from ${min} to ${max}`;
  return (raw: string): number => {
    const n = readWholeNumber(raw);
    if (n === undefined || n < min || (max !== undefined && n > max))
      throw new InvalidArgumentError(`Expected a whole number ${range}${also}.`);
    return n;
  };
}

/** 0, 1, 2, … up to `max` when given. */
export const nonNegativeInteger = (max?: number) => wholeNumberIn(0, max);

/** 1, 2, 3, … up to `max` when given. */
export const positiveInteger = (max?: number) => wholeNumberIn(1, max);

/** A change such as +5 or -3 (zero passes: whether it is allowed is the command's rule). */
export function signedInteger(raw: string): number {
  const n = readWholeNumber(raw, { signed: true });
  if (n === undefined) throw new InvalidArgumentError('Expected a whole number such as +5 or -3.');
  return n;
}

/** A whole number, or a word that stands for none (null): `orWord('none', positiveInteger(10_000))`. */
export function orWord(word: string, parse: (raw: string) => number) {
  return (raw: string): number | null => {
    if (raw.trim() === word) return null;
    try {
      return parse(raw);
    } catch (err) {
      if (!(err instanceof InvalidArgumentError)) throw err;
      throw new InvalidArgumentError(`${err.message.replace(/\.$/, '')}, or "${word}".`);
    }
  };
}

/** "12.99" → 1299 cents, by the one money grammar (src/shared/money.ts). */
export function amountInCents(raw: string): number {
  try {
    return parseAmount(raw);
  } catch {
    throw new InvalidArgumentError('Expected an amount such as 12.99 (at most two decimals).');
  }
}

const PERCENT = /^[+-]?\d{1,4}(\.\d{1,2})?$/;

/** A percentage change such as -10 or 7.5 (at most two decimals). */
export function percentChange(raw: string): number {
  const value = raw.trim();
  if (!PERCENT.test(value)) throw new InvalidArgumentError('Expected a number such as -10 or 7.5.');
  return Number(value);
}

const FRACTION = /^(0?\.\d{1,3}|1(\.0{1,3})?)$/;

/** A share of something in (0, 1], such as 0.25 or 1 (at most three decimals). */
export function fraction(raw: string): number {
  const value = raw.trim();
  const n = FRACTION.test(value) ? Number(value) : 0;
  if (!(n > 0)) throw new InvalidArgumentError('Expected a share from 0.001 to 1, such as 0.25.');
  return n;
}

/** A share in [0, 1] where 0 means none, such as 0 or 0.05 (at most three decimals). */
export function shareOrNone(raw: string): number {
  const value = raw.trim();
  if (/^0?(\.0{1,3})?$/.test(value) && value !== '') return 0;
  if (!FRACTION.test(value)) throw new InvalidArgumentError('Expected 0 or a share up to 1, such as 0.05.');
  return Number(value);
}

/** An age as typed (kept for messages) and in milliseconds. */
export interface Age {
  text: string;
  ms: number;
}

/** "30d", "12h", "90m" → that age. */
export function age(raw: string): Age {
  const text = raw.trim();
  const ms = parseDuration(text, { bare: null, units: ['m', 'h', 'd'] });
  // Zero is refused: "--older-than 0d" would delete every active cart, including ones in use right now.
  if (!ms) throw new InvalidArgumentError('Expected an age such as 30d, 12h or 90m.');
  return { text, ms };
}
