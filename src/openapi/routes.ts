import { notFound } from '../shared/errors.js';
import { createRouter } from '../shared/http.js';
import { DOCS_ASSET_TYPES, DOCS_CSP, DOCS_PAGE, isDocsAsset, readDocsAsset } from './assets.js';
import { type ApiSpecConfig, createApiSpec } from './document.js';

/** GET /openapi.json and the interactive reference at GET /docs, from the installed swagger-ui-dist. */
export function docsRoutes({ config }: { config: ApiSpecConfig }) {
  const spec = createApiSpec(config);
  const router = createRouter();

  router.get('/openapi.json', (ctx) => {
    ctx.body = spec.document();
  });

  router.get('/docs', (ctx) => {
    ctx.set('Content-Security-Policy', DOCS_CSP);
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = DOCS_PAGE;
  });

  router.get('/docs/:file', async (ctx) => {
    const name = ctx.params.file ?? '';
    if (!isDocsAsset(name)) throw notFound('File', { file: name });
    ctx.set('Content-Security-Policy', DOCS_CSP);
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.type = DOCS_ASSET_TYPES[name];
    ctx.body = await readDocsAsset(name);
  });

  return router;
}
