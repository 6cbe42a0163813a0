import { expect } from 'chai';
import { createCursors, cursorKey } from '../../src/catalog/cursor.js';
import { queryFingerprint } from '../../src/catalog/schemas.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { createProduct } from '../support/fixtures.js';

/** What the sort of each query reads its cursor's key as (the SQL cast). */
const QUERIES = {
  newest: 'category=cur&sort=newest',
  price_asc: 'category=cur&sort=price_asc',
  name: 'category=cur&sort=name',
  relevance: 'category=cur&sort=relevance&search=widget',
} as const;
type Sort = keyof typeof QUERIES;

const fingerprintOf = (sort: Sort) =>
  queryFingerprint(
    { category: 'cur', inStock: false, ...(sort === 'relevance' ? { search: 'widget' } : {}) },
    sort,
  );

const SECRET = 'cursor-test-secret-0123456789abcdef';
/** What the service signs with: the configured secret under the cursors' own label. */
const ours = createCursors(cursorKey(SECRET));
/** Bytes of signature at the head of a cursor. */
const TAG_BYTES = 16;

/** A cursor as anyone can write one: the JSON a real cursor decodes to, edited, re-encoded, no signature. */
const handMade = (payload: unknown) => Buffer.from(JSON.stringify(payload)).toString('base64url');

/** Keys PostgreSQL refuses (or that no row of ours could have), for each sort's cast. */
const BAD_KEYS: Record<Sort, string[]> = {
  newest: [
    '0000-01-01 00:00:00+00',
    '2026-01-01 00:00:00+23',
    '2026-01-01 00:00:00+16',
    '2026-01-01 00:00:00+15:60',
    '2026-02-29 12:00:00+00',
    '2026-01-01 24:00:00+00',
    '2026-13-01 00:00:00+00',
    '99999-01-01 00:00:00+00',
    'NaN',
    'infinity',
    '',
  ],
  price_asc: ['1e-400', '2147483648', '-1', '1.5', 'NaN', ''],
  name: ['nul\u0000byte', 'x'.repeat(401)],
  relevance: ['1e-400', '2e-324', '1e400', 'NaN', 'Infinity', '-Infinity', '0x10', '1,5', ''],
};

const BAD_IDS: unknown[] = [0, -1, 1.5, 2 ** 53, 1e20, '1', null];

/** Keys as PostgreSQL prints them for these casts: at their edges, and still read on from. */
const GOOD_KEYS: Record<Sort, string[]> = {
  newest: [
    '2026-01-03 00:00:00+00',
    '2026-01-03 00:00:00.123456+00',
    '2024-02-29 23:59:59+00',
    '0001-01-01 00:00:00+15:59:59',
    '9999-12-31 23:59:59-15:59',
    '2026-01-03 05:30:00+05:30',
  ],
  price_asc: ['0', '1002', '2147483647'],
  name: ['widget 2', '', 'x'.repeat(400)],
  relevance: ['0', '-0', '0.30000000000000004', '1e-05', '1.5e+20', '5e-324', '0e-400'],
};

/**
 * Review finding 6: browse cursors were unsigned, and a hand-made one whose key PostgreSQL could
 * not read (year 0, a zone offset of +23, 1e-400) was a 500, with the SQL in the error log.
 */
describe('security: browse cursors are ours, and a bad key never reaches SQL', function () {
  this.timeout(60_000);
  let t: TestContext;
  let sqlErrors: string[] = [];

  before(async () => {
    t = await createTestContext({ AUTH_CACHE_SECRET: SECRET });
    for (let i = 0; i < 6; i++) {
      await createProduct(t.container.db, {
        category: 'cur',
        name: `Widget ${i}`,
        price_cents: 1_000 + i,
        created_at: new Date(Date.UTC(2026, 0, 1 + i)),
      });
    }
    t.container.db.on('query-error', (err: Error) => sqlErrors.push(err.message));
  });
  after(() => t.close());

  const get = (query: string) => t.request().get(`/products?${query}`);

  /** Each query is a 400 naming the cursor, and PostgreSQL refused no statement: every miss at once. */
  async function expectRefused(queries: [why: string, query: string][]) {
    const misses: string[] = [];
    for (const [why, query] of queries) {
      sqlErrors = [];
      const res = await get(query);
      const paths = ((res.body.error?.details ?? []) as { path: string }[]).map((d) => d.path);
      if (res.status !== 400 || res.body.error.code !== 'validation_failed' || !paths.includes('cursor'))
        misses.push(`${why}: ${res.status} ${res.body.error?.code ?? 'ok'}`);
      if (sqlErrors.length)
        misses.push(`${why}: PostgreSQL refused ${sqlErrors.map((e) => e.split(' - ').at(-1))}`);
    }
    expect(misses).to.deep.equal([]);
  }

  for (const sort of Object.keys(QUERIES) as Sort[]) {
    it(`${sort}: the cursors we issue walk the whole query`, async () => {
      const seen: number[] = [];
      let cursor: string | null = null;
      do {
        const res: { body: { products: { id: number }[]; next_cursor: string | null } } = await get(
          `${QUERIES[sort]}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        ).expect(200);
        seen.push(...res.body.products.map((p) => p.id));
        cursor = res.body.next_cursor;
      } while (cursor);
      expect(seen).to.have.length(6);
      expect(new Set(seen).size).to.equal(6);
    });
  }

  it('refuses a cursor re-encoded by hand, even one naming a real position', async () => {
    const first = await get(`${QUERIES.price_asc}&limit=2`).expect(200);
    const [second] = first.body.products.slice(-1) as { id: number; price_cents: number }[];
    await expectRefused(
      [1, 2].map((version) => [
        `unsigned, version ${version}`,
        `${QUERIES.price_asc}&cursor=${handMade([version, fingerprintOf('price_asc'), String(second!.price_cents), second!.id])}`,
      ]),
    );
  });

  it('refuses a real cursor whose signature or payload was touched, or signed with another key', async () => {
    const first = await get(`${QUERIES.newest}&limit=2`).expect(200);
    const real = first.body.next_cursor as string;
    const raw = Buffer.from(real, 'base64url');
    const [tag, body] = [raw.subarray(0, TAG_BYTES), raw.subarray(TAG_BYTES)];
    const b64 = (...parts: Buffer[]) => Buffer.concat(parts).toString('base64url');
    const flip = (s: string, i: number) => `${s.slice(0, i)}${s[i] === 'A' ? 'B' : 'A'}${s.slice(i + 1)}`;
    const [, fingerprint, key, id] = JSON.parse(body.toString());
    const edited = Buffer.from(JSON.stringify([2, fingerprint, key, id + 1]));
    const position = { key, id };
    await get(`${QUERIES.newest}&cursor=${ours.encode(fingerprint, position)}`).expect(200);
    await expectRefused(
      Object.entries({
        'signature changed': flip(real, 0),
        'payload changed': flip(real, real.length - 2),
        'last character cut': real.slice(0, -1),
        'cut in half': real.slice(0, real.length / 2),
        'signature truncated': b64(tag.subarray(0, 8), body),
        'signature dropped': b64(body),
        'signature only': b64(tag),
        'payload edited under the old signature': b64(tag, edited),
        'signed with another secret': createCursors(cursorKey('another-secret-0123456789abcdefgh')).encode(
          fingerprint,
          position,
        ),
        'signed with the secret itself, not the derived key': createCursors(Buffer.from(SECRET)).encode(
          fingerprint,
          position,
        ),
        'signed with a per-process key': createCursors(cursorKey(null)).encode(fingerprint, position),
      }).map(([why, cursor]) => [why, `${QUERIES.newest}&cursor=${cursor}`]),
    );
  });

  for (const sort of Object.keys(QUERIES) as Sort[]) {
    it(`${sort}: a signed cursor with any key PostgreSQL prints for the sort reads on`, async () => {
      for (const key of GOOD_KEYS[sort]) {
        const res = await get(`${QUERIES[sort]}&cursor=${ours.encode(fingerprintOf(sort), { key, id: 3 })}`);
        expect(res.status, `key ${JSON.stringify(key)}: ${res.text}`).to.equal(200);
      }
    });

    it(`${sort}: a cursor with a key PostgreSQL would refuse is a 400, hand-made or signed by us`, async () => {
      const cursors = (key: unknown, id: unknown): [string, string][] => [
        ...[1, 2].map((version): [string, string] => [
          `hand-made, version ${version}`,
          handMade([version, fingerprintOf(sort), key, id]),
        ]),
        ['signed', ours.encode(fingerprintOf(sort), { key, id } as { key: string; id: number })],
      ];
      await expectRefused(
        [
          ...BAD_KEYS[sort].flatMap((key) =>
            cursors(key, 1).map(([how, c]) => [`key ${JSON.stringify(key)}, ${how}`, c]),
          ),
          ...BAD_IDS.flatMap((id) => cursors('1', id).map(([how, c]) => [`id ${id}, ${how}`, c])),
        ].map(([why, cursor]) => [why!, `${QUERIES[sort]}&cursor=${cursor}`]),
      );
    });
  }
});
