/**
 * Rooms and doors (STYLE.md rule 0), checked by `npm run lint:boundaries` in CI and by
 * test/unit/boundaries.test.ts.
 *
 * A room is a folder under src/. Its door, src/<room>/index.ts, exports what others may use; every
 * other file of the room is its own. Rooms, the composition root (src/*.ts) and the outer layers
 * (bin/, cli/, seeds/, scripts/, loadtest/) import another room through its door only.
 *
 * Named exceptions:
 * - src/shared and src/db are the platform, not rooms: small, unrelated modules (errors, http,
 *   money, the batcher; the connection, SQL pieces, retention) that own no domain state and are
 *   imported file by file. A door would make every room load all of them (koa, prom-client, the
 *   replica pool) for one helper. In exchange they import no room at all (`platform-imports-no-room`).
 * - test/ may import a room's internals: unit tests check pure internals (settlement's plan, the
 *   cursor) that no other room should see. Tests are cruised for cycles only.
 */
const ROOM = '^src/([^/]+)/';
const PLATFORM = '^src/(shared|db)/';

module.exports = {
  forbidden: [
    {
      name: 'no-deep-import-across-rooms',
      comment:
        "A room uses another room only through its door (src/<room>/index.ts); move what it needs into the door's exports, or below both rooms.",
      severity: 'error',
      from: { path: ROOM, pathNot: PLATFORM },
      to: { path: '^src/[^/]+/', pathNot: ['^src/$1/', '^src/[^/]+/index\\.ts$', PLATFORM] },
    },
    {
      name: 'outer-layers-use-doors',
      comment:
        'bin/, cli/, seeds/, scripts/, loadtest/ and the composition root (src/*.ts) use a room through its door (src/<room>/index.ts).',
      severity: 'error',
      from: { path: '^(bin|cli|seeds|scripts|loadtest)/|^src/[^/]+\\.ts$' },
      to: { path: '^src/[^/]+/', pathNot: ['^src/[^/]+/index\\.ts$', PLATFORM] },
    },
    {
      name: 'platform-imports-no-room',
      comment: 'src/shared and src/db are below every room: they import no room (and no outer layer).',
      severity: 'error',
      from: { path: PLATFORM },
      to: { path: '^(src/[^/]+/|bin/|cli/|seeds/|scripts/|loadtest/)', pathNot: PLATFORM },
    },
    {
      name: 'rooms-import-no-outer-layer',
      comment: 'src/ never imports bin/, cli/, seeds/, scripts/, loadtest/ or test/: they are built on it.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(bin|cli|seeds|scripts|loadtest|test)/' },
    },
    {
      name: 'no-room-cycle',
      comment:
        'Rooms do not import each other in a circle: what two rooms share lives below both, or the lower one names what it needs as a port the container fills.',
      severity: 'error',
      scope: 'folder',
      from: { path: '^src/[^/]+$' },
      to: { path: '^src/[^/]+$', circular: true },
    },
    {
      name: 'no-file-cycle',
      comment: 'No file imports itself through others (type-only imports included).',
      severity: 'error',
      from: { path: '^(src|cli|bin|seeds|scripts|loadtest|test)/' },
      to: { circular: true },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|storefront)/' },
    includeOnly: '^(src|cli|bin|seeds|scripts|loadtest|test|migrations|knexfile\\.ts)',
  },
};
