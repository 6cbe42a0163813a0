import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The storefront's sources (TypeScript and CSS): present in the repository, absent from an image. */
export const STOREFRONT_SOURCES = path.resolve(here, '../../storefront/src');

/** One built file, named by its content's hash (served with a year's cache). */
export interface BuiltFile {
  name: string;
  bytes: Buffer;
}

/** The bundle: its files, and which of them the page loads. */
export interface StorefrontBuild {
  files: BuiltFile[];
  script: string;
  stylesheet: string;
  icon: string;
}

const shortHash = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex').slice(0, 12);

/**
 * Bundles and minifies the storefront with esbuild, in memory: one script (Preact, the generated
 * API client and the pages) and one stylesheet. esbuild is a build tool, not a dependency of the
 * running service: it is imported here only, when there is no prebuilt bundle (a checkout run
 * from source), and an image carries the bundle `npm run build` wrote instead.
 */
export async function buildStorefront(): Promise<StorefrontBuild> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: {
      app: path.join(STOREFRONT_SOURCES, 'main.tsx'),
      styles: path.join(STOREFRONT_SOURCES, 'styles.css'),
    },
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2020',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'none',
    // Names are content hashes (below), never dates or paths: the same sources give the same files.
    outdir: 'out',
    write: false,
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const files: BuiltFile[] = [];
  let script = '';
  let stylesheet = '';
  for (const out of result.outputFiles) {
    const ext = path.extname(out.path);
    const base = path.basename(out.path, ext);
    const name = `${base}-${shortHash(out.contents)}${ext}`;
    files.push({ name, bytes: Buffer.from(out.contents) });
    if (base === 'app' && ext === '.js') script = name;
    if (base === 'styles' && ext === '.css') stylesheet = name;
  }
  if (!script || !stylesheet) throw new Error('storefront build produced no script or no stylesheet');
  const iconBytes = await readFile(path.join(STOREFRONT_SOURCES, 'icon.svg'));
  const icon = `icon-${shortHash(iconBytes)}.svg`;
  files.push({ name: icon, bytes: iconBytes });
  return { files, script, stylesheet, icon };
}
