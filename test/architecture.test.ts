/**
 * The dependency direction of the code base (issue #19), checked on the import graph itself: every .ts file under
 * src/, webview/, scripts/ and bench/ is parsed with the TypeScript parser, its relative module specifiers
 * (`import … from`, `export … from`, `import x = require()`, `import()`, `require()`, and `import('…')` types:
 * type-only imports count too, since a type cycle is a design cycle) are resolved to files, and the rules below
 * are asserted over the resulting graph. A failure names the offending files.
 *
 * Run alone: node scripts/run-tests.mjs architecture
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

const ROOT = resolve(__dirname, '..');
const SCANNED = ['src', 'webview', 'scripts', 'bench'];

interface Edge {
  /** Repository-relative path with forward slashes, or the bare specifier ('vscode', 'node:fs') for packages. */
  to: string;
  /** The specifier as written. */
  spec: string;
  /** `import type` / `export type` / all-`type` named bindings / an `import('…')` type: erased from the bundle. */
  typeOnly: boolean;
}

const rel = (p: string) => relative(ROOT, p).split(sep).join('/');

function tsFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === 'node_modules' ? [] : tsFiles(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

/** Every module specifier written in `file`, with whether the import is erased at compile time. */
function specifiers(file: string): { spec: string; typeOnly: boolean }[] {
  const src = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out: { spec: string; typeOnly: boolean }[] = [];
  const literal = (n: ts.Node | undefined) => (n && ts.isStringLiteralLike(n) ? n.text : null);
  const visit = (n: ts.Node): void => {
    if (ts.isImportDeclaration(n)) {
      const s = literal(n.moduleSpecifier);
      const c = n.importClause;
      const named = c?.namedBindings && ts.isNamedImports(c.namedBindings) ? c.namedBindings.elements : null;
      const typeOnly = !!c && (c.isTypeOnly || (!c.name && !!named && named.length > 0 && named.every((e) => e.isTypeOnly)));
      if (s !== null) out.push({ spec: s, typeOnly });
    } else if (ts.isExportDeclaration(n)) {
      const s = literal(n.moduleSpecifier);
      const named = n.exportClause && ts.isNamedExports(n.exportClause) ? n.exportClause.elements : null;
      const typeOnly = n.isTypeOnly || (!!named && named.length > 0 && named.every((e) => e.isTypeOnly));
      if (s !== null) out.push({ spec: s, typeOnly });
    } else if (ts.isImportEqualsDeclaration(n) && ts.isExternalModuleReference(n.moduleReference)) {
      const s = literal(n.moduleReference.expression);
      if (s !== null) out.push({ spec: s, typeOnly: n.isTypeOnly });
    } else if (ts.isImportTypeNode(n)) {
      const s = ts.isLiteralTypeNode(n.argument) ? literal(n.argument.literal) : null;
      if (s !== null) out.push({ spec: s, typeOnly: true });
    } else if (ts.isCallExpression(n) && n.arguments.length >= 1) {
      const isImport = n.expression.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(n.expression) && n.expression.text === 'require';
      const s = isImport || isRequire ? literal(n.arguments[0]) : null;
      if (s !== null) out.push({ spec: s, typeOnly: false });
    }
    ts.forEachChild(n, visit);
  };
  visit(src);
  return out;
}

function resolveRelative(from: string, spec: string): string | null {
  const base = resolve(dirname(from), spec);
  for (const c of [base, `${base}.ts`, `${base}.d.ts`, join(base, 'index.ts')]) if (existsSync(c) && statSync(c).isFile()) return c;
  return null;
}

interface Graph {
  edges: Map<string, Edge[]>;
  unresolved: string[];
}

function buildGraph(): Graph {
  const edges = new Map<string, Edge[]>();
  const unresolved: string[] = [];
  for (const file of SCANNED.flatMap((d) => tsFiles(join(ROOT, d)))) {
    const list: Edge[] = [];
    for (const { spec, typeOnly } of specifiers(file)) {
      if (!spec.startsWith('.')) {
        list.push({ to: spec, spec, typeOnly });
        continue;
      }
      const target = resolveRelative(file, spec);
      if (target === null) unresolved.push(`${rel(file)} → '${spec}'`);
      else list.push({ to: rel(target), spec, typeOnly });
    }
    edges.set(rel(file), list);
  }
  return { edges, unresolved };
}

/**
 * Strongly connected components with a cycle (Tarjan), each reported as one concrete cycle through its files
 * followed by the component's other members (the files any further cycle of that component passes through).
 */
function cycles(edges: ReadonlyMap<string, readonly { to: string }[]>): { cycle: string[]; component: string[] }[] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const found: { cycle: string[]; component: string[] }[] = [];
  let next = 0;
  const succ = (v: string) => (edges.get(v) ?? []).map((e) => e.to).filter((w) => edges.has(w));
  const strong = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of succ(v)) {
      if (!index.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || succ(v).includes(v)) found.push({ cycle: cycleIn(new Set(component), v, succ), component: component.sort() });
  };
  for (const v of [...edges.keys()].sort()) if (!index.has(v)) strong(v);
  return found;
}

/** A shortest path v → … → v inside one component (breadth-first), so the message names a real circle of imports. */
function cycleIn(component: Set<string>, v: string, succ: (v: string) => string[]): string[] {
  const parent = new Map<string, string>();
  const queue = [v];
  while (queue.length > 0) {
    const u = queue.shift()!;
    for (const w of succ(u)) {
      if (!component.has(w)) continue;
      if (w === v) {
        const path = [u];
        while (path[0] !== v) path.unshift(parent.get(path[0])!);
        return [...path, v];
      }
      if (!parent.has(w)) {
        parent.set(w, u);
        queue.push(w);
      }
    }
  }
  return [v, v];
}

const graph = buildGraph();
const under = (file: string, ...prefixes: string[]) => prefixes.some((p) => (p.endsWith('/') ? file.startsWith(p) : file === p));

/** Every import of a file matched by `from` that lands on something `forbidden` says no to, as "a → b" lines. */
function violations(from: (file: string) => boolean, forbidden: (e: Edge, file: string) => boolean): string[] {
  const out: string[] = [];
  for (const [file, list] of graph.edges) if (from(file)) for (const e of list) if (forbidden(e, file)) out.push(`${file} → ${e.to} ('${e.spec}')`);
  return out;
}

test('every relative import resolves to a file', () => {
  assert.ok(graph.edges.size > 100, `expected the source tree, found ${graph.edges.size} files`);
  assert.deepEqual(graph.unresolved, [], `imports that resolve to no file:\n${graph.unresolved.join('\n')}`);
});

test('(a) no import cycles in src/, webview/, scripts/, bench/', () => {
  const found = cycles(graph.edges);
  const text = found.map((c) => `${c.cycle.join(' → ')}\n  (all ${c.component.length} files of that circle: ${c.component.join(', ')})`);
  assert.ok(found.length === 0, `import cycles:\n${text.join('\n')}`);
});

test('(a) the cycle finder finds cycles (self-check)', () => {
  const g = new Map([
    ['a', [{ to: 'b' }]],
    ['b', [{ to: 'c' }, { to: 'x' }]],
    ['c', [{ to: 'a' }]],
    ['d', [{ to: 'd' }]],
    ['x', []],
  ]);
  assert.deepEqual(
    cycles(g).map((c) => c.cycle),
    [['a', 'b', 'c', 'a'], ['d', 'd']],
  );
  assert.deepEqual(cycles(new Map([['a', [{ to: 'b' }]], ['b', []]])), []);
});

test('(b) the engine imports no protocol, extension, CLI, worker, webview or vscode', () => {
  const bad = violations(
    (f) => under(f, 'src/engine/'),
    (e) => e.to === 'vscode' || under(e.to, 'src/protocol.ts', 'src/extension/', 'src/cli.ts', 'src/cli/', 'src/worker.ts', 'webview/'),
  );
  assert.deepEqual(bad, [], `the engine must not depend on its callers:\n${bad.join('\n')}`);
});

test('(c) the extension imports no webview code', () => {
  const bad = violations((f) => under(f, 'src/extension/'), (e) => under(e.to, 'webview/'));
  assert.deepEqual(bad, [], `shared pure code belongs in src/report/:\n${bad.join('\n')}`);
});

test('(d) nothing in src/, webview/, scripts/ or bench/ imports test/', () => {
  const bad = violations(() => true, (e) => under(e.to, 'test/'));
  assert.deepEqual(bad, [], `tests may import the code, never the other way round:\n${bad.join('\n')}`);
});

test('(e) src/engine/rnp/ and src/engine/evidence/ do not import each other both ways', () => {
  const rnpToEvidence = violations((f) => under(f, 'src/engine/rnp/'), (e) => under(e.to, 'src/engine/evidence/'));
  const evidenceToRnp = violations((f) => under(f, 'src/engine/evidence/'), (e) => under(e.to, 'src/engine/rnp/'));
  assert.ok(
    rnpToEvidence.length === 0 || evidenceToRnp.length === 0,
    `a folder-level cycle rnp ⇄ evidence:\n${rnpToEvidence.join('\n')}\n---\n${evidenceToRnp.join('\n')}`,
  );
});

/** The type modules src/report/ may read (type-only: the webview bundle carries none of the engine's code). */
// Type-only, erased from the bundles: the result types, and the job types the progress line reads (Progress).
const REPORT_TYPE_SOURCES = ['src/engine/result.ts', 'src/engine/jobs.ts'];

test('(f) src/report/ imports only itself and, type-only, the result types', () => {
  const bad = violations(
    (f) => under(f, 'src/report/'),
    (e) => !under(e.to, 'src/report/') && !(e.typeOnly && REPORT_TYPE_SOURCES.includes(e.to)),
  );
  assert.deepEqual(bad, [], `src/report/ is bundled for the browser and for node alike:\n${bad.join('\n')}`);
});
