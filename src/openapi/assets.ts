import { readFile } from 'node:fs/promises';
import path from 'node:path';
// The package's entry point would load the whole UI bundle into Node; its path helper is enough.
import swaggerUiPath from 'swagger-ui-dist/absolute-path.js';

/** The reference page's files, with their media types: nothing else under /docs is served. */
export const DOCS_ASSET_TYPES = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-initializer.js': 'text/javascript; charset=utf-8',
  'favicon-16x16.png': 'image/png',
  'favicon-32x32.png': 'image/png',
} as const;
export type DocsAsset = keyof typeof DOCS_ASSET_TYPES;

export const isDocsAsset = (name: string): name is DocsAsset => Object.hasOwn(DOCS_ASSET_TYPES, name);

/**
 * What the page needs beyond 'self': Swagger UI's stylesheet inlines its icons as data: URIs.
 * No inline script or style, no other origin: the page works offline and "Try it out" can only
 * call this service.
 */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const DOCS_PAGE = `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Shop API reference</title>
    <link rel="stylesheet" href="/docs/swagger-ui.css">
    <link rel="icon" type="image/png" href="/docs/favicon-32x32.png" sizes="32x32">
    <link rel="icon" type="image/png" href="/docs/favicon-16x16.png" sizes="16x16">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/docs/swagger-ui-bundle.js"></script>
    <script src="/docs/swagger-initializer.js"></script>
  </body>
</html>
`;

// A file, not an inline script, so the CSP needs no 'unsafe-inline'. validatorUrl: null keeps
// Swagger UI from sending the document to its public validator.
const INITIALIZER = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    tryItOutEnabled: true,
    displayRequestDuration: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
  });
});
`;

const loaded = new Map<DocsAsset, Promise<Buffer>>();

/** A file's bytes, read once per process. */
export function readDocsAsset(name: DocsAsset): Promise<Buffer> {
  let bytes = loaded.get(name);
  if (!bytes) {
    bytes =
      name === 'swagger-initializer.js'
        ? Promise.resolve(Buffer.from(INITIALIZER))
        : readFile(path.join(swaggerUiPath(), name));
    // A failed read is not cached: the next request tries again.
    bytes.catch(() => loaded.delete(name));
    loaded.set(name, bytes);
  }
  return bytes;
}
