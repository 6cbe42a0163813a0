import { DomainError } from './errors.js';

const AMOUNT = /^(\d{1,8})(?:\.(\d{1,2}))?$/;

/** "12.99" → 1299. Refuses negatives, a third decimal, and anything that is not a plain amount. */
export function parseAmount(raw: string, field = 'amount'): number {
  const match = AMOUNT.exec(raw.trim());
  if (!match) {
    throw new DomainError(
      'validation_failed',
      `${field} must be an amount such as 12.99 (at most two decimals), got "${raw}"`,
      [{ path: field, message: 'must be a non-negative amount with at most two decimals' }],
    );
  }
  return Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
}

export const formatCents = (cents: number) =>
  `${cents < 0 ? '-' : ''}${Math.floor(Math.abs(cents) / 100)}.${String(Math.abs(cents) % 100).padStart(2, '0')}`;
