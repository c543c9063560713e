// Import structure of src/, as docs/ARCHITECTURE.md and the design describe it. `npm run deps` prints the
// violations of these rules and a summary; `npx depcruise src` prints them raw.

// Layers from the bottom up. A file may import its own layer and the layers below it, never one above.
// Within a layer the order of the names is the order of the layer too (module-wire below module, sdk below cli):
// each name is a sub-layer of its own.
const LAYERS = [
  ['(root)'], // src/constants.ts, src/errors.ts, src/money.ts: limits, the error catalogue, money
  ['platform', 'crypto'], // ports for files, clock, randomness; aead, kdf, ModuleCrypto
  ['meter', 'protocol', 'indicium', 'rates', 'address', 'payments'], // the pure domain (address: Publication 28 parsing and matching; payments: ABA, NACHA files)
  ['ledger'], // record, chain, head, segment, backup format, verifier, effects
  ['module-wire', 'module'], // the typed module protocol; the module process
  ['store'], // PostgreSQL: all SQL
  ['services'], // the business services
  ['txlog', 'server'], // shipping, replay, backup, restore; the Fastify plugins and routes
  ['sdk', 'cli', 'runtime'], // the client protocol; the commands; the process wiring
];

// Folders of one layer that depend on each other one way only: [lower, higher].
const ORDERED_SIBLINGS = [
  ['platform', 'crypto'],
  ['module-wire', 'module'],
  ['txlog', 'server'],
  ['sdk', 'cli'],
  ['sdk', 'runtime'],
  ['runtime', 'cli'],
];

const folderPath = (name) => (name === '(root)' ? '^src/[^/]+\\.ts$' : `^src/${name}/`);
const anyOf = (names) => names.map(folderPath);

const upwardRules = LAYERS.flatMap((layer, i) => {
  const above = LAYERS.slice(i + 1).flat();
  if (above.length === 0) return [];
  return [
    {
      name: 'no-upward',
      comment: `layer ${layer.join(', ')} must not import a layer above it (${above.join(', ')})`,
      severity: 'error',
      from: { path: anyOf(layer) },
      to: { path: anyOf(above) },
    },
  ];
});

const siblingRules = ORDERED_SIBLINGS.map(([lower, higher]) => ({
  name: 'no-upward',
  comment: `${lower} sits below ${higher} and must not import it`,
  severity: 'error',
  from: { path: folderPath(lower) },
  to: { path: folderPath(higher) },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'no import cycles, type-only imports included: a cycle makes two files one concept',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    ...upwardRules,
    ...siblingRules,
    {
      name: 'through-index',
      comment: "reach into another folder of src/ only through its index.ts (the folder's public surface)",
      severity: 'error',
      from: { path: '^src/([^/]+)/' },
      to: { path: '^src/[^/]+/', pathNot: ['^src/$1/', '^src/[^/]+/index\\.ts$'] },
    },
    {
      name: 'sdk-portable',
      comment: 'the SDK runs in a browser: no Node built-ins, no server-side folder',
      severity: 'error',
      from: { path: '^src/sdk/' },
      to: {
        path: ['^src/(ledger|module-wire|module|store|services|txlog|server|cli|runtime)/'],
      },
    },
    {
      name: 'sdk-portable',
      comment: 'the SDK runs in a browser: no Node built-ins',
      severity: 'error',
      from: { path: '^src/sdk/' },
      to: { dependencyTypes: ['core'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
    // Type-only imports count: the layering is about what a file knows, not only about what it loads.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
  },
};
