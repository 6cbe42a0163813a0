/**
 * Writes the API document, as GET /openapi.json serves it, to a file (openapi.json by default),
 * or lints it with Redocly (redocly.yaml) and Spectral (.spectral.yaml):
 *
 *   npx tsx scripts/openapi-document.ts [path]
 *   npx tsx scripts/openapi-document.ts --lint      (npm run spec:lint; fails on any error)
 *
 * The document is built from the configuration in the environment (CART_MAX_QUANTITY bounds the
 * cart's bodies), with no server, database or Redis. test/integration/openapi-lint.test.ts runs
 * the same lint in `npm test`.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '../src/config.js';
import { createApiSpec } from '../src/openapi/index.js';

const ROOT = resolve(import.meta.dirname, '..');

export interface LintResult {
  linter: 'redocly' | 'spectral';
  /** No error (warnings may remain: the output lists them). */
  ok: boolean;
  output: string;
}

export async function writeApiDocument(path: string, document = createApiSpec(loadConfig()).document()) {
  await writeFile(path, `${JSON.stringify(document, null, 2)}\n`);
}

function run(linter: LintResult['linter'], args: string[]): Promise<LintResult> {
  return new Promise((done) => {
    execFile(
      join(ROOT, 'node_modules', '.bin', linter),
      args,
      {
        cwd: ROOT,
        // No usage report or update check from Redocly: a lint in CI calls no one.
        env: {
          ...process.env,
          REDOCLY_TELEMETRY: 'off',
          REDOCLY_SUPPRESS_NOTIFICATIONS: 'true',
          NO_COLOR: '1',
        },
        maxBuffer: 16 * 1024 * 1024,
      },
      // Both exit non-zero on an error (and only then), and on a failure of their own.
      (err, stdout, stderr) =>
        done({
          linter,
          ok: !err,
          // Less Redocly's boxed notice that Node 20 is past its end of life, printed on every run.
          output: `${stdout}${stderr}`.replace(/[ \t]*╔[\s\S]*?╝/, '').trim(),
        }),
    );
  });
}

/** Lints a document file with both linters at once, with the repository's rulesets. */
export function lintApiDocument(path: string): Promise<LintResult[]> {
  return Promise.all([
    run('redocly', ['lint', path, '--config', join(ROOT, 'redocly.yaml'), '--format', 'stylish']),
    run('spectral', ['lint', path, '--ruleset', join(ROOT, '.spectral.yaml'), '--fail-severity', 'error']),
  ]);
}

/** Writes `document` (the service's own by default) to a scratch file and lints it. */
export async function lintDocument(document?: Record<string, unknown>): Promise<LintResult[]> {
  const dir = await mkdtemp(join(tmpdir(), 'shop-openapi-'));
  try {
    const path = join(dir, 'openapi.json');
    await writeApiDocument(path, document);
    return await lintApiDocument(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(args: string[]) {
  if (args[0] !== '--lint') {
    const path = args[0] ?? 'openapi.json';
    await writeApiDocument(path);
    console.error(`Wrote ${path}`);
    return;
  }
  const results = await lintDocument();
  for (const { linter, ok, output } of results) {
    console.log(`── ${linter}: ${ok ? 'no errors' : 'FAILED'}\n${output}\n`);
  }
  if (results.some((r) => !r.ok)) process.exitCode = 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
}
