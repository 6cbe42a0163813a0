import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { createApp } from '../../src/app.js';
import { CHROMIUM, hasChromium, launchChromium } from '../support/browser.js';
import { ROOT } from '../support/cli.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { createProduct } from '../support/fixtures.js';

const OUTPUT = path.join(ROOT, 'test/output');

/**
 * The API reference in a real browser, against the app listening on a port of its own: the page
 * must render from this service alone (no CDN, nothing its CSP refuses), list the operations, and
 * run "Try it out" against the live API.
 */
describe('API reference in a browser (GET /docs)', function () {
  this.timeout(90_000);
  let t: TestContext;
  let server: Server;
  let browser: Browser;
  let page: Page;
  let base: string;
  const foreign: string[] = [];
  const refused: string[] = [];
  const pageErrors: string[] = [];

  before(async function () {
    if (!hasChromium()) {
      console.warn(`    skipped: no browser at ${CHROMIUM} (apt-get install chromium)`);
      this.skip();
    }
    t = await createTestContext();
    await createProduct(t.container.db, { name: 'Reference skillet', price_cents: 3499, stock: 7 });
    server = createServer(createApp(t.container).callback());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 1800 } });
    page.on('request', (request) => {
      const url = request.url();
      if (!url.startsWith(base) && !url.startsWith('data:')) foreign.push(url);
    });
    page.on('pageerror', (err) => pageErrors.push(err.message));
    // What the Content-Security-Policy blocked, as the page saw it (a script of the page's own:
    // these tests compile without the DOM's types).
    await page.addInitScript({
      content: `window.refused = [];
        document.addEventListener('securitypolicyviolation', (e) =>
          window.refused.push(e.violatedDirective + ' ' + e.blockedURI));`,
    });
  });

  after(async () => {
    await browser?.close();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    await t?.close();
  });

  it('renders the reference from this service alone, within its CSP', async () => {
    const res = await page.goto(`${base}/docs`);
    expect(res?.status()).to.equal(200);
    await page.locator('.swagger-ui .info .title').waitFor();
    expect(await page.locator('.swagger-ui .info .title').textContent()).to.include('Shop API');
    // Swagger UI lists what it could not read of the document here.
    expect(await page.locator('.swagger-ui .errors-wrapper').count(), 'document errors').to.equal(0);
    refused.push(...((await page.evaluate('window.refused')) as string[]));
    expect(refused, 'blocked by the CSP').to.deep.equal([]);
    expect(foreign, 'requests to other origins').to.deep.equal([]);
    expect(pageErrors, 'script errors').to.deep.equal([]);
  });

  it('lists the checkout operation', async () => {
    const checkout = page.locator('#operations-Checkout-checkout');
    await checkout.waitFor();
    expect(await checkout.locator('.opblock-summary-method').textContent()).to.equal('POST');
    expect(await checkout.locator('.opblock-summary-path').textContent()).to.include('/checkout');
  });

  it('"Try it out" → Execute of GET /products answers 200 in the page', async () => {
    const operation = page.locator('#operations-Catalog-listProducts');
    await operation.locator('.opblock-summary').click();
    // With tryItOutEnabled the form opens ready; else its "Try it out" button opens it.
    const tryItOut = operation.locator('button.try-out__btn', { hasText: 'Try it out' });
    if (await tryItOut.isVisible()) await tryItOut.click();
    await operation.locator('button.execute').click();
    const live = operation.locator('.live-responses-table tr.response');
    await live.first().waitFor();
    expect(await live.first().locator('.response-col_status').textContent()).to.include('200');
    const shown = await live.first().locator('.response-col_description .highlight-code').textContent();
    expect(shown).to.include('Reference skillet').and.include('"total": 1');
    expect(await operation.locator('.request-url').textContent()).to.include(`${base}/products`);
    mkdirSync(OUTPUT, { recursive: true });
    await operation.screenshot({ path: path.join(OUTPUT, 'docs-browser.png') });
    expect(refused.concat(foreign, pageErrors)).to.deep.equal([]);
  });
});
