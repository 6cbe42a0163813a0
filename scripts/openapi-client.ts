/**
 * The storefront's typed API client is generated from the service's own OpenAPI document, built
 * here without a running server. `generate` writes it; `check` regenerates it in memory and fails
 * when the committed file differs (the document changed and nobody regenerated).
 *
 *   npm run client:generate
 *   npm run client:check
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';
import { loadConfig } from '../src/config.js';
import { createApiSpec } from '../src/openapi/index.js';

export const CLIENT_SCHEMA = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../storefront/src/api/schema.d.ts',
);

const HEADER = `/**
 * Generated from the service's OpenAPI document (GET /openapi.json) by openapi-typescript.
 * Do not edit: run \`npm run client:generate\` after changing the API.
 */

`;

/** The client's types for the document the service would serve with its default configuration. */
export async function generateClientSchema(): Promise<string> {
  const { cart } = loadConfig({});
  const document = createApiSpec({ cart }).document();
  const ast = await openapiTS(document as unknown as Parameters<typeof openapiTS>[0]);
  return HEADER + astToString(ast);
}

/** What differs between the committed schema and a fresh one: null when they agree. */
export async function clientSchemaDrift(): Promise<string | null> {
  const [fresh, committed] = await Promise.all([
    generateClientSchema(),
    readFile(CLIENT_SCHEMA, 'utf8').catch(() => ''),
  ]);
  if (fresh === committed) return null;
  const a = committed.split('\n');
  const b = fresh.split('\n');
  const first = b.findIndex((line, i) => line !== a[i]);
  return (
    `${path.relative(process.cwd(), CLIENT_SCHEMA)} is out of date with the API document ` +
    `(first difference at line ${first + 1}: committed ${JSON.stringify(a[first] ?? '')}, ` +
    `generated ${JSON.stringify(b[first] ?? '')}). Run \`npm run client:generate\` and commit it.`
  );
}

async function main(command: string | undefined) {
  if (command === 'generate') {
    await writeFile(CLIENT_SCHEMA, await generateClientSchema());
    process.stdout.write(`wrote ${path.relative(process.cwd(), CLIENT_SCHEMA)}\n`);
  } else if (command === 'check') {
    const drift = await clientSchemaDrift();
    if (drift) {
      process.stderr.write(`${drift}\n`);
      process.exit(1);
    }
    process.stdout.write('the storefront client matches the API document\n');
  } else {
    process.stderr.write('usage: openapi-client.ts generate|check\n');
    process.exit(2);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  await main(process.argv[2]);
}
