import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The same check as `npm run lint:boundaries` (CI), so `npm test` refuses a broken boundary too. */
describe('rooms and doors (.dependency-cruiser.cjs)', () => {
  it('no deep import across rooms, no cycle between rooms or files', async function () {
    this.timeout(120_000);
    const run = promisify(execFile);
    const depcruise = path.join(root, 'node_modules/.bin/depcruise');
    const args = [
      '--config',
      '.dependency-cruiser.cjs',
      'src',
      'cli',
      'bin',
      'seeds',
      'scripts',
      'loadtest',
      'test',
    ];
    const result = await run(depcruise, args, { cwd: root, maxBuffer: 16 * 1024 * 1024 }).then(
      ({ stdout }) => ({ failed: false, output: stdout }),
      (err: { stdout?: string; stderr?: string }) => ({
        failed: true,
        output: `${err.stdout ?? ''}${err.stderr ?? ''}`,
      }),
    );
    expect(result.failed, result.output).to.equal(false);
  });
});
