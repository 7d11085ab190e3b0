/**
 * The house rules for imports between rooms (the folders under src/), checked by `npm run
 * lint:deps`, which `npm test` runs first.
 *
 * 1. A room is entered through its index.ts: an import in src/A/** of src/B/** (A != B) must name
 *    src/B/index.ts (`from '../B'`). Inside a room, imports stay relative as they are.
 * 2. A room imports only the rooms listed for it in ROOMS below. That map must stay acyclic (this
 *    file throws when it is not), so there are no cycles between rooms.
 * 3. Every folder under src/ is a room listed here, with an index.ts.
 *
 * Documented exceptions (keep this list short; each says why):
 * - src/compute/kernels/index.ts is a second entry of compute, for the model layers, the optimizer
 *   and ranking's top-K: compute's index also carries backend.ts, whose imports register the WebGPU
 *   and wasm backends, and Node-side code (tests, the eval and pack CLIs) must not pick those up.
 * - src/compute/wasm-urls.ts is imported directly by the worker's handler: it is Vite-only (`?url`
 *   imports), so it cannot sit in an index that Node code loads.
 */
const fs = require('node:fs');
const path = require('node:path');

/** Each room and the rooms it may import. */
const ROOMS = {
  common: [],
  events: [],
  compute: [],
  catalog: ['common'],
  store: ['common', 'events'],
  models: ['catalog', 'common', 'compute'],
  training: ['common', 'models'],
  ranking: ['compute', 'events'],
  eval: ['common', 'events', 'models', 'ranking', 'training'],
  packs: ['catalog', 'common', 'eval', 'models', 'ranking', 'training'],
  worker: ['catalog', 'common', 'compute', 'eval', 'events', 'models', 'packs', 'ranking', 'store', 'training'],
  ui: ['catalog', 'events', 'store', 'worker'],
};

/** Files allowed one more room than their room's list (see the header). */
const EXCEPTIONS = [];

/** Targets in another room that are not its index.ts but may be imported (see the header). */
const EXTRA_ENTRIES = ['^src/compute/kernels/index\\.ts$', '^src/compute/wasm-urls\\.ts$'];

function assertAcyclic(rooms) {
  const state = new Map();
  const visit = (room, trail) => {
    if (state.get(room) === 'done') return;
    if (state.get(room) === 'open') throw new Error(`.dependency-cruiser.cjs: ROOMS has a cycle: ${[...trail, room].join(' -> ')}`);
    state.set(room, 'open');
    for (const next of rooms[room] ?? []) {
      if (!(next in rooms)) throw new Error(`.dependency-cruiser.cjs: ROOMS.${room} names an unknown room '${next}'`);
      visit(next, [...trail, room]);
    }
    state.set(room, 'done');
  };
  for (const room of Object.keys(rooms)) visit(room, []);
}

function assertRoomsMatchTree(rooms) {
  const src = path.join(__dirname, 'src');
  for (const entry of fs.readdirSync(src, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    if (!(entry.name in rooms)) throw new Error(`.dependency-cruiser.cjs: src/${entry.name}/ is not in ROOMS (say which rooms it may import)`);
    if (!fs.existsSync(path.join(src, entry.name, 'index.ts'))) throw new Error(`.dependency-cruiser.cjs: src/${entry.name}/ has no index.ts`);
  }
}

assertAcyclic(ROOMS);
assertRoomsMatchTree(ROOMS);

const roomEdgeRules = Object.entries(ROOMS).map(([room, allowed]) => ({
  name: `room-edges-${room}`,
  comment: `src/${room}/ may import only ${allowed.length ? allowed.join(', ') : 'no other room'} (ROOMS in .dependency-cruiser.cjs)`,
  severity: 'error',
  from: { path: `^src/${room}/`, pathNot: EXCEPTIONS.filter((e) => e.from.startsWith(`^src/${room}/`)).map((e) => e.from) },
  to: { path: `^src/(?!(?:${[room, ...allowed].join('|')})/)[^/]+/` },
}));

const exceptionRules = EXCEPTIONS.map((e, i) => {
  const room = e.from.match(/^\^src\/([^/]+)\//)[1];
  const allowed = [room, ...ROOMS[room], e.room];
  return {
    name: `room-edges-exception-${i + 1}`,
    comment: `${e.from} may import ${allowed.filter((r) => r !== room).join(', ')} (EXCEPTIONS in .dependency-cruiser.cjs)`,
    severity: 'error',
    from: { path: e.from },
    to: { path: `^src/(?!(?:${allowed.join('|')})/)[^/]+/` },
  };
});

module.exports = {
  forbidden: [
    {
      name: 'no-deep-cross-room-import',
      comment: "Import another room through its index.ts (from '../room'), not a file inside it.",
      severity: 'error',
      from: { path: '^src/([^/]+)/' },
      to: { path: '^src/[^/]+/', pathNot: ['^src/$1/', '^src/[^/]+/index\\.tsx?$', ...EXTRA_ENTRIES] },
    },
    {
      name: 'no-deep-import-from-entry',
      comment: "src/main.tsx and other files at the top of src/ also go through each room's index.ts.",
      severity: 'error',
      from: { path: '^src/[^/]+$' },
      to: { path: '^src/[^/]+/', pathNot: ['^src/[^/]+/index\\.tsx?$', '\\.css$', ...EXTRA_ENTRIES] },
    },
    ...roomEdgeRules,
    ...exceptionRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // only what src/ imports from src/ is checked (tests import scripts/ helpers: not a room)
    includeOnly: '^src/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.json'],
    },
  },
};
