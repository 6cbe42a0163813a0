import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import { z } from 'zod';
import { type BuiltFile, buildStorefront, type StorefrontBuild } from './build.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * Where `npm run build` leaves the bundle: dist/public beside dist/src. Run from source, this is
 * ./public, which does not exist, so the service bundles the sources itself on first use.
 */
export const PREBUILT_DIR = path.resolve(here, '../../public');
const MANIFEST = 'storefront.json';

const manifestSchema = z.object({
  script: z.string(),
  stylesheet: z.string(),
  icon: z.string(),
  files: z.array(z.string()),
});

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.html': 'text/html; charset=utf-8',
};

/** A file as served: its bytes as they are and precompressed, with a strong validator. */
export interface ServedFile {
  type: string;
  etag: string;
  identity: Buffer;
  gzip: Buffer;
  br: Buffer;
}

export interface StorefrontAssets {
  script: string;
  stylesheet: string;
  icon: string;
  files: ReadonlyMap<string, ServedFile>;
}

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

/** Compressed once, at the highest levels: served many times, so the one-off cost is worth it. */
export async function servedFile(type: string, bytes: Buffer): Promise<ServedFile> {
  const [gz, br] = await Promise.all([
    gzipAsync(bytes, { level: 9 }),
    brotliAsync(bytes, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 11,
        [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
        [constants.BROTLI_PARAM_MODE]: type.startsWith('text/') ? constants.BROTLI_MODE_TEXT : 0,
      },
    }),
  ]);
  const etag = `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 22)}"`;
  return { type, etag, identity: bytes, gzip: gz, br };
}

const typeOf = (name: string) => TYPES[path.extname(name)] ?? 'application/octet-stream';

async function prebuilt(): Promise<StorefrontBuild | null> {
  let raw: string;
  try {
    raw = await readFile(path.join(PREBUILT_DIR, MANIFEST), 'utf8');
  } catch {
    return null;
  }
  const manifest = manifestSchema.parse(JSON.parse(raw));
  const files = await Promise.all(
    manifest.files.map(async (name) => ({ name, bytes: await readFile(path.join(PREBUILT_DIR, name)) })),
  );
  return { files, script: manifest.script, stylesheet: manifest.stylesheet, icon: manifest.icon };
}

async function load(): Promise<StorefrontAssets> {
  const build = (await prebuilt()) ?? (await buildStorefront());
  const files = new Map<string, ServedFile>();
  await Promise.all(
    build.files.map(async (f: BuiltFile) => files.set(f.name, await servedFile(typeOf(f.name), f.bytes))),
  );
  return { script: build.script, stylesheet: build.stylesheet, icon: build.icon, files };
}

let loading: Promise<StorefrontAssets> | undefined;

/** The storefront's files, built or read once per process (a failed attempt is tried again). */
export function loadStorefront(): Promise<StorefrontAssets> {
  if (!loading) {
    loading = load();
    loading.catch(() => {
      loading = undefined;
    });
  }
  return loading;
}

/** `npm run build`: the bundle written beside the compiled service, for an image without esbuild. */
export async function writeStorefront(dir = PREBUILT_DIR): Promise<StorefrontBuild> {
  const build = await buildStorefront();
  await mkdir(dir, { recursive: true });
  await Promise.all(build.files.map((f) => writeFile(path.join(dir, f.name), f.bytes)));
  const { script, stylesheet, icon } = build;
  const manifest = { script, stylesheet, icon, files: build.files.map((f) => f.name) };
  await writeFile(path.join(dir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  return build;
}
