/**
 * Writes the storefront's bundle to dist/public, beside the compiled service (`npm run build`): the
 * image runs without esbuild, and finds the bundle there. Run from source, the service bundles the
 * storefront itself on first use and needs no step.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeStorefront } from '../src/storefront/index.js';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/public');
const build = await writeStorefront(dir);
const size = (name: string) => build.files.find((f) => f.name === name)?.bytes.length ?? 0;
process.stdout.write(
  `storefront: ${path.relative(process.cwd(), dir)}/${build.script} (${size(build.script)} bytes), ${build.stylesheet} (${size(build.stylesheet)} bytes)\n`,
);
