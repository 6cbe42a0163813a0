import { notFound } from '../shared/errors.js';
import { type AppContext, createRouter } from '../shared/http.js';
import { loadStorefront, type ServedFile, servedFile } from './assets.js';
import { type PaymentMode, shellPage, storefrontCsp } from './page.js';

/** Hashed names never change their bytes: cached for a year and never revalidated. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/** Sends a file in the best encoding the client accepts; 304 when its copy is current. */
function send(ctx: AppContext, file: ServedFile, cacheControl: string, csp: string) {
  ctx.set('Content-Security-Policy', csp);
  ctx.set('Cache-Control', cacheControl);
  ctx.set('Vary', 'Accept-Encoding');
  ctx.set('ETag', file.etag);
  ctx.type = file.type;
  ctx.status = 200;
  if (ctx.fresh) {
    ctx.status = 304;
    return;
  }
  // Brotli first whenever accepted: browsers list gzip first, and brotli is the smaller.
  const encoding = ['br', 'gzip'].find((e) => ctx.acceptsEncodings(e, 'identity') === e) as
    | 'br'
    | 'gzip'
    | undefined;
  if (encoding) {
    ctx.set('Content-Encoding', encoding);
    ctx.body = file[encoding];
  } else {
    ctx.body = file.identity;
  }
}

/**
 * The storefront: its page at GET / (the app routes by the URL's #fragment, so no API path is
 * ever a page's) and its files under /assets. Both public; the API keeps its paths.
 */
export function storefrontRoutes({
  config,
}: {
  config: { payments: { provider: PaymentMode; stripe: { publishableKey: string | null } | null } };
}) {
  const mode = config.payments.provider;
  const stripeKey = config.payments.stripe?.publishableKey ?? null;
  const csp = storefrontCsp(mode);
  const router = createRouter();
  let shell: Promise<ServedFile> | undefined;
  const page = () => {
    shell ??= loadStorefront().then((assets) =>
      servedFile('text/html; charset=utf-8', Buffer.from(shellPage(assets, mode, stripeKey))),
    );
    shell.catch(() => {
      shell = undefined;
    });
    return shell;
  };

  // Revalidated on every visit (no-cache, with an ETag): a new release's names reach the browser.
  router.get('/', async (ctx) => {
    send(ctx, await page(), 'no-cache', csp);
  });

  router.get('/assets/:file', async (ctx) => {
    const name = ctx.params.file ?? '';
    const file = (await loadStorefront()).files.get(name);
    if (!file) throw notFound('File', { file: name });
    send(ctx, file, IMMUTABLE, csp);
  });

  return router;
}
