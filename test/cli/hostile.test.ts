/**
 * Issue #17 through the built CLI (dist/cli.js), one case per finding, at the default caps: each ends in exit 2
 * with exactly one line on stderr naming the file (and the node), and Ctrl-C ends a scan with exit 130. Peak RSS
 * and seconds are measured by scripts/fuzz/probes.ts, not here (no timed tests).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { zipSync } from 'fflate';
import { onnx } from 'onnx-proto';
import { PNG } from 'pngjs';
import { patchDeclaredSize, rawNpy } from '../../scripts/fuzz/data-bombs';

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'dist/cli.js');
const DEMO = path.join(ROOT, 'demo');
const DEFENSE = path.join(DEMO, 'defense.npz');
const dir = mkdtempSync(path.join(tmpdir(), 'rnp-hostile-cli-'));

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Exit 2, one line `rnp-scan: FILE: …` matching `pattern`, short and free of control characters. */
function expectOneLine(args: string[], file: string, pattern: RegExp): void {
  const r = cli(args);
  const lines = r.stderr.split('\n').filter((l) => l && !l.startsWith('['));
  assert.equal(r.code, 2, r.stderr.slice(0, 2000));
  assert.equal(lines.length, 1, `one line: ${JSON.stringify(lines.slice(0, 3))}`);
  assert.ok(lines[0].startsWith(`rnp-scan: ${file}: `), lines[0].slice(0, 300));
  assert.match(lines[0], pattern);
  assert.ok(lines[0].length < 2500, `${lines[0].length} characters`);
  assert.ok(!/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(lines[0]), 'no control or bidi characters');
}

// ── Models: input [N, 1, 28, 28] (the demo's data), one hostile node. ──
const vi = (name: string, dims?: (number | string)[]): onnx.IValueInfoProto => ({
  name,
  type: { tensorType: { elemType: 1, ...(dims ? { shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } : {}) } },
});
const int64s = (name: string, values: number[], dims = [values.length]): onnx.ITensorProto => {
  const raw = new Uint8Array(values.length * 8);
  values.forEach((v, i) => new DataView(raw.buffer).setBigInt64(i * 8, BigInt(v), true));
  return { name, dataType: 7, dims, rawData: raw };
};
function saveModel(name: string, nodes: onnx.INodeProto[], initializer: onnx.ITensorProto[] = [], extra: Partial<onnx.IGraphProto> = {}): string {
  const file = path.join(dir, name);
  const graph = { name: 'g', node: nodes, initializer, input: [vi('x', ['N', 1, 28, 28])], output: [vi('y')], ...extra };
  writeFileSync(file, onnx.ModelProto.encode({ irVersion: 8, opsetImport: [{ domain: '', version: 13 }], graph }).finish());
  return file;
}

test('models whose sizes are computed at run time: ConstantOfShape, Range, Tile, Pad, Conv pads, kernel_shape', { timeout: 300_000 }, () => {
  const cases: [string, onnx.INodeProto[], onnx.ITensorProto[], RegExp][] = [
    ['cos.onnx', [{ name: 'fill', opType: 'ConstantOfShape', input: ['s'], output: ['y'], attribute: [{ name: 'value', type: 4, t: int64s('v', [1], [1]) }] }], [int64s('s', [1e9])],
      /node "fill" \(ConstantOfShape\) output \[1000000000\] would have 1000000000 elements, more than the limit of 16777216 \(maxIntElements\)/],
    ['range.onnx', [{ name: 'r', opType: 'Range', input: ['a', 'b', 'c'], output: ['y'] }], [int64s('a', [0], []), int64s('b', [3e9], []), int64s('c', [1], [])],
      /node "r" \(Range\) output would have 3000000000 elements/],
    ['tile.onnx', [{ name: 't', opType: 'Tile', input: ['x', 'reps'], output: ['y'] }], [int64s('reps', [1, 1, 1e5, 1e5])],
      /node "t" \(Tile\) output \[1, 1, 2800000, 2800000\] would have 7840000000000 elements/],
    ['pad.onnx', [{ name: 'p', opType: 'Pad', input: ['x', 'pads'], output: ['y'] }], [int64s('pads', [0, 0, 5e4, 5e4, 0, 0, 5e4, 5e4])],
      /node "p" \(Pad\) output \[1, 1, 100028, 100028\] would have \d+ elements, more than the limit of 200000000/],
    ['conv-pads.onnx', [{ name: 'c', opType: 'Conv', input: ['x', 'w'], output: ['y'], attribute: [{ name: 'pads', type: 7, ints: [1e6, 1e6, 1e6, 1e6] }] }],
      [{ name: 'w', dataType: 1, dims: [4, 1, 3, 3], rawData: new Uint8Array(144) }], /pads \[1000000,1000000,1000000,1000000\] exceed 4096 pixels in node "c" \(Conv\)/],
    ['kernel.onnx', [{ name: 'c', opType: 'Conv', input: ['x', 'w'], output: ['y'], attribute: [{ name: 'kernel_shape', type: 7, ints: [5, 5] }] }],
      [{ name: 'w', dataType: 1, dims: [4, 1, 3, 3], rawData: new Uint8Array(144) }], /kernel_shape \[5,5\] disagrees with the weight's 3×3 kernel/],
  ];
  for (const [name, nodes, inits, pattern] of cases) {
    const file = saveModel(name, nodes, inits);
    expectOneLine([file, '--data', DEFENSE], file, pattern);
  }
});

test('the pre-scan counts packed attribute ints and value_info dims (7 MB and 13 MB files at the default caps)', { timeout: 300_000 }, () => {
  const ints = saveModel('ints.onnx', [{ name: 'r', opType: 'Relu', input: ['x'], output: ['y'], attribute: [{ name: 'bomb', type: 7, ints: new Array(7_000_000).fill(0) }] }]);
  expectOneLine([ints, '--data', DEFENSE], ints, /more than 6400000 protobuf fields and packed values .*the last in attribute ints/);
  const dims = { tensorType: { elemType: 1, shape: { dim: Array.from({ length: 6_500_000 }, () => ({})) } } };
  const vinfo = saveModel('dims.onnx', [{ name: 'r', opType: 'Relu', input: ['x'], output: ['y'] }], [], { valueInfo: [{ name: 'v', type: dims }] });
  expectOneLine([vinfo, '--data', DEFENSE], vinfo, /the last in a value_info shape \(dims\)/);
});

test('a cycle through long hostile names prints one short, clean line', { timeout: 120_000 }, () => {
  const n = 3000;
  const name = (i: number) => `\u202e\u001b[2J${'n'.repeat(4000)}${i}`;
  const nodes = Array.from({ length: n }, (_, i) => ({ name: name(i), opType: 'Relu', input: [`v${(i + n - 1) % n}`], output: [`v${i}`] }));
  nodes.push({ name: 'out', opType: 'Relu', input: ['v0'], output: ['y'] });
  const file = saveModel('cycle.onnx', nodes);
  expectOneLine([file, '--data', DEFENSE], file, /the graph has a cycle through nodes '\\u202e\\u001b\[2Jn+…' → .*…and 2992 more$/);
});

function png(): Buffer {
  const p = new PNG({ width: 28, height: 28 });
  p.data.fill(100);
  return PNG.sync.write(p);
}

test('image folders: a FIFO and a /dev/zero symlink named x.png end in one line naming the file', { timeout: 120_000 }, (t) => {
  const model = path.join(DEMO, 'model.onnx');
  for (const kind of ['fifo', 'zero'] as const) {
    const root = path.join(dir, `images-${kind}`);
    mkdirSync(path.join(root, '0'), { recursive: true });
    writeFileSync(path.join(root, '0', 'a.png'), png());
    const bad = path.join(root, '0', 'x.png');
    if (kind === 'fifo') {
      if (spawnSync('mkfifo', [bad]).status !== 0) {
        t.diagnostic('mkfifo is not available: only the /dev/zero case runs');
        continue;
      }
    } else symlinkSync('/dev/zero', bad);
    expectOneLine([model, '--data', root], bad, kind === 'fifo' ? /is a named pipe \(FIFO\), not a regular file/ : /is a character device, not a regular file/);
  }
});

test('.npz bombs and an .npy header nested 200 000 deep', { timeout: 120_000 }, () => {
  const model = path.join(DEMO, 'model.onnx');
  const dict = (descr: string, shape: string) => `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  const bomb = (name: string, descr: string, itemsize: number) => {
    const n = 600_000;
    const x = rawNpy(dict(descr, `(${n}, 1, 28, 28)`), new Uint8Array(4096));
    const file = path.join(dir, name);
    writeFileSync(file, patchDeclaredSize(zipSync({ 'x.npy': x }, { level: 9 }), x.length - 4096 + n * 784 * itemsize));
    return file;
  };
  const f32 = bomb('f32.npz', '<f4', 4);
  expectOneLine([model, '--data', f32], f32, /over the 512\.0 MB data set limit \(maxDatasetBytes\)/);
  const u8 = bomb('u8.npz', '|u1', 1);
  expectOneLine([model, '--data', u8], u8, /600000 samples of 1×28×28 need 1\.9 GB as float32, over the 512\.0 MB limit/);
  const nested = path.join(dir, 'nested.npz');
  writeFileSync(nested, zipSync({ 'x.npy': rawNpy(`{'descr': '|u1', 'fortran_order': False, 'shape': ${'['.repeat(200_000)}${']'.repeat(200_000)}, }`, new Uint8Array(0)) }));
  expectOneLine([model, '--data', nested], nested, /malformed \.npy header \(nested more than 32 deep/);
});

test('Ctrl-C: a running scan ends with exit 130 and "rnp-scan: cancelled"', { timeout: 120_000 }, async () => {
  const out = mkdtempSync(path.join(tmpdir(), 'rnp-sigint-'));
  const child = spawn(process.execPath, [CLI, path.join(DEMO, 'model.onnx'), '--data', DEFENSE, '--out', out], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  let sent = false;
  child.stderr.setEncoding('utf8').on('data', (t: string) => {
    stderr += t;
    // Once the scan is past loading and training: cancel.
    if (!sent && /\[(unlearn|recover)\]/.test(stderr)) {
      sent = true;
      child.kill('SIGINT');
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  assert.ok(sent, `the scan reached training: ${stderr.slice(-500)}`);
  assert.equal(code, 130, stderr.slice(-500));
  assert.match(stderr, /rnp-scan: cancelled\n$/);
});

test('a model folder the user cannot write to fails before the scan, with one line naming the folder', () => {
  // Root ignores permissions, so as root the case runs as `nobody` (setpriv, util-linux); otherwise chmod 555.
  const ro = mkdtempSync(path.join(tmpdir(), 'rnp-ro-'));
  for (const f of ['model.onnx', 'defense.npz']) writeFileSync(path.join(ro, f), readFileSync(path.join(DEMO, f)));
  const asRoot = process.getuid?.() === 0;
  chmodSync(ro, asRoot ? 0o755 : 0o555);
  for (const f of ['model.onnx', 'defense.npz']) chmodSync(path.join(ro, f), 0o644);
  // The CLI runs from a world-readable copy of dist/ (the checkout may sit in a folder `nobody` cannot enter).
  const bin = mkdtempSync(path.join(tmpdir(), 'rnp-ro-bin-'));
  for (const f of readdirSync(path.dirname(CLI)).filter((f) => /^(cli\.js|tfjs-.*\.(wasm|js))$/.test(f))) copyFileSync(path.join(path.dirname(CLI), f), path.join(bin, f));
  chmodSync(bin, 0o755);
  const args = [path.join(bin, 'cli.js'), path.join(ro, 'model.onnx'), '--data', path.join(ro, 'defense.npz')];
  const r = asRoot
    ? spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, ...args], { encoding: 'utf8' })
    : spawnSync(process.execPath, args, { encoding: 'utf8' });
  assert.equal(r.error, undefined, `${r.error}`);
  assert.equal(r.status, 2, r.stderr);
  const lines = r.stderr.split('\n').filter((l) => l && !l.startsWith('['));
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], new RegExp(`^rnp-scan: ${ro.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/\\.rnp-scan: cannot be made: EACCES`));
  assert.ok(!r.stderr.includes('[unlearn]'), 'no training started');
  chmodSync(ro, 0o755);
});
