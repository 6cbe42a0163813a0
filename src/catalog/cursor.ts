import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { DomainError } from '../shared/errors.js';
import type { SortKey } from './schemas.js';

/**
 * Opaque keyset cursors: the last row's sort key and id, bound to the query they came from, and
 * signed. Anyone can decode and re-encode a cursor, so one this service did not sign is refused
 * before its key is read; and a cursor replayed against other filters or another sort is refused
 * rather than misread.
 */
const VERSION = 2;
/** Bytes of the HMAC-SHA256 a cursor carries: 128 bits, beyond guessing, for 22 more characters. */
const TAG_BYTES = 16;
const NOT_OURS = 'cursor is not one this service issued';

/**
 * The key cursors are signed with: derived from the configured secret under its own label (so it
 * signs nothing else), and so the same on every process; without one, this process's own, and a
 * cursor from another process or before a restart is refused like a forged one.
 */
export const cursorKey = (secret: string | null): Buffer =>
  secret === null ? randomBytes(32) : createHmac('sha256', secret).update('browse-cursor').digest();

/** A cursor the query cannot use: the 400 a malformed one gets from the query's schema. */
export const cursorRefused = (message = NOT_OURS) =>
  new DomainError('validation_failed', 'Invalid request: cursor', [{ path: 'cursor', message }]);

/** The SQL type a sort key is cast back to when a cursor is read. */
export type KeyCast = 'float8' | 'integer' | 'timestamptz' | 'text';

const TIMESTAMP =
  /^(?<y>\d{4})-(?<mo>\d\d)-(?<d>\d\d) (?<h>\d\d):(?<mi>\d\d):(?<s>\d\d)(?:\.\d{1,6})?[+-](?<zh>\d\d)(?::(?<zm>\d\d))?(?::(?<zs>\d\d))?$/;

const daysIn = (year: number, month: number) => {
  const last = new Date(0);
  // setUTCFullYear, unlike Date.UTC, reads years 0-99 as themselves, not as 1900-1999.
  last.setUTCFullYear(year, month, 0);
  return last.getUTCDate();
};

/**
 * Whether PostgreSQL reads `key` as its cast without an error, checked before it reaches SQL: a
 * cursor is signed, but a key that fails the cast (or a signing key that leaked) must still be a
 * 400, never a 500 with the statement in the error log. Narrower than PostgreSQL where it costs
 * nothing: only what `::text` prints for our columns is accepted (no NaN, infinity, BC or words).
 */
const KEY_FORMATS: Record<KeyCast, (key: string) => boolean> = {
  // Number() reads an underflow (1e-400) as 0 where PostgreSQL refuses it: zero only from zero digits.
  float8: (key) => {
    if (!/^-?(\d+(\.\d*)?|\.\d+)(e[-+]?\d+)?$/i.test(key)) return false;
    const n = Number(key);
    return Number.isFinite(n) && (n !== 0 || /^-?[0.]*(e|$)/i.test(key));
  },
  integer: (key) => /^\d{1,10}$/.test(key) && Number(key) <= 2_147_483_647,
  // Years 1-9999 (PostgreSQL has no year 0), a real calendar day, and a zone offset within ±15:59:59.
  timestamptz: (key) => {
    const parts = TIMESTAMP.exec(key)?.groups;
    if (!parts) return false;
    const n = (name: string) => Number(parts[name] ?? 0);
    return (
      n('y') >= 1 &&
      n('mo') >= 1 &&
      n('mo') <= 12 &&
      n('d') >= 1 &&
      n('d') <= daysIn(n('y'), n('mo')) &&
      n('h') < 24 &&
      n('mi') < 60 &&
      n('s') < 60 &&
      n('zh') <= 15 &&
      n('zm') < 60 &&
      n('zs') < 60
    );
  },
  // A JavaScript string always encodes to valid UTF-8; NUL is the one character text cannot hold.
  text: (key) => !key.includes('\0'),
};

export const keyFits = (cast: KeyCast, key: string) => KEY_FORMATS[cast](key);

export type Cursors = ReturnType<typeof createCursors>;

export function createCursors(key: Buffer) {
  const tag = (body: Buffer) => createHmac('sha256', key).update(body).digest().subarray(0, TAG_BYTES);
  return {
    encode(fingerprint: string, after: SortKey): string {
      const body = Buffer.from(JSON.stringify([VERSION, fingerprint, after.key, after.id]));
      return Buffer.concat([tag(body), body]).toString('base64url');
    },

    /** The position a cursor names; a DomainError (400) when it is not ours or not this query's. */
    decode(cursor: string, fingerprint: string): SortKey {
      const raw = Buffer.from(cursor, 'base64url');
      const body = raw.subarray(TAG_BYTES);
      if (body.length === 0 || !timingSafeEqual(raw.subarray(0, TAG_BYTES), tag(body))) throw cursorRefused();
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        throw cursorRefused();
      }
      // Only a cursor we signed gets here, so a bad shape means a bug or an old key, not an attack:
      // it is still refused, never read as something else.
      if (
        !Array.isArray(parsed) ||
        parsed.length !== 4 ||
        parsed[0] !== VERSION ||
        typeof parsed[2] !== 'string' ||
        parsed[2].length > 400 ||
        !Number.isSafeInteger(parsed[3]) ||
        parsed[3] < 1
      ) {
        throw cursorRefused();
      }
      if (parsed[1] !== fingerprint) throw cursorRefused('cursor belongs to another search, filter or sort');
      return { key: parsed[2], id: parsed[3] };
    },
  };
}
