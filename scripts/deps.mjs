// `npm run deps`: the import structure of src/ against .dependency-cruiser.cjs. Prints the import cycles,
// the cycles between folders, the upward imports and the imports that go around a folder's index.ts,
// then one summary line. Exits 1 when anything is listed, so it can gate `npm test`.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = fileURLToPath(new URL('../node_modules/.bin/depcruise', import.meta.url));
// depcruise exits non-zero when it finds violations; the JSON is on stdout all the same.
const run = spawnSync(bin, ['src', '--config', '.dependency-cruiser.cjs', '--output-type', 'json'], {
  cwd: root,
  maxBuffer: 256 * 1024 * 1024,
  stdio: ['ignore', 'pipe', 'inherit'],
});
if (run.error || run.stdout.length === 0) {
  console.error('deps: dependency-cruiser did not run', run.error ?? `(exit ${run.status})`);
  process.exit(2);
}
const result = JSON.parse(run.stdout.toString());
const violations = result.summary.violations;
const byRule = (name) => violations.filter((v) => v.rule.name === name);
const typeOnly = (v) => {
  const mod = result.modules.find((m) => m.source === v.from);
  const dep = mod?.dependencies.find((d) => d.resolved === v.to);
  return dep !== undefined && dep.dependencyTypes.includes('type-only');
};
const edge = (v) => `  ${v.from} -> ${v.to}${typeOnly(v) ? '  (type only)' : ''}`;

// The same cycle is reported once for each of its edges; keep one, in its smallest rotation.
const cycles = new Map();
for (const v of byRule('no-circular')) {
  const path = [v.from, ...v.cycle.map((c) => (typeof c === 'string' ? c : c.name))];
  const ring = path.slice(0, -1);
  const start = ring.indexOf([...ring].sort()[0]);
  const canonical = [...ring.slice(start), ...ring.slice(0, start)];
  cycles.set(canonical.join(' -> '), [...canonical, canonical[0]].join(' -> '));
}

const folderCycles = folderSccs(result.modules);
const upward = byRule('no-upward');
const aroundIndex = byRule('through-index');
const other = violations.filter((v) => !['no-circular', 'no-upward', 'through-index'].includes(v.rule.name));
const crossFolder = countCrossFolder(result.modules);

section(
  `Import cycles (${cycles.size})`,
  [...cycles.values()].map((c) => `  ${c}`),
);
section(
  `Cycles between folders (${folderCycles.length})`,
  folderCycles.map((c) => `  {${c.folders.join(', ')}}: ${c.edges.join(', ')}`),
);
section(`Upward imports (${upward.length})`, upward.map(edge));
section(`Imports around index.ts (${aroundIndex.length} of ${crossFolder} imports between folders)`, aroundIndex.map(edge));
if (other.length > 0)
  section(
    `Other rules (${other.length})`,
    other.map((v) => `${edge(v)}  [${v.rule.name}]`),
  );

console.log(
  `deps: ${cycles.size} import cycles, ${folderCycles.length} folder cycles, ${upward.length} upward imports, ` +
    `${aroundIndex.length} of ${crossFolder} imports between folders around index.ts` +
    (other.length > 0 ? `, ${other.length} other` : ''),
);
process.exitCode = violations.length > 0 || folderCycles.length > 0 ? 1 : 0;

function section(title, lines) {
  console.log(title);
  for (const line of lines) console.log(line);
  console.log('');
}

/** The top-level folder of a file in src/, or "(root)" for src/*.ts; undefined outside src/. */
function folderOf(path) {
  const m = /^src\/(?:([^/]+)\/)?[^/]+$/.exec(path) ?? /^src\/([^/]+)\//.exec(path);
  if (!m) return undefined;
  return m[1] ?? '(root)';
}

function countCrossFolder(modules) {
  let n = 0;
  for (const m of modules) {
    for (const d of m.dependencies) {
      const from = folderOf(m.source);
      const to = folderOf(d.resolved);
      if (from && to && to !== '(root)' && from !== to) n += 1;
    }
  }
  return n;
}

/** Strongly connected components of the folder graph with more than one folder (Tarjan), with their edges. */
function folderSccs(modules) {
  const graph = new Map();
  for (const m of modules) {
    const from = folderOf(m.source);
    if (!from) continue;
    if (!graph.has(from)) graph.set(from, new Set());
    for (const d of m.dependencies) {
      const to = folderOf(d.resolved);
      if (to && to !== from) graph.get(from).add(to);
    }
  }
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const out = [];
  const visit = (v) => {
    index.set(v, index.size);
    low.set(v, index.get(v));
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
    }
    if (low.get(v) !== index.get(v)) return;
    const scc = [];
    let w;
    do {
      w = stack.pop();
      onStack.delete(w);
      scc.push(w);
    } while (w !== v);
    if (scc.length > 1) {
      const edges = scc.flatMap((a) => [...graph.get(a)].filter((b) => scc.includes(b)).map((b) => `${a} -> ${b}`));
      out.push({ folders: scc.sort(), edges: edges.sort() });
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out;
}
