// Writing pruned weights back into the user's model: onnxruntime-node (independent oracle) runs the export and
// must give PyTorch's logits for the same pruning; the source model is never touched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, linkSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { buildSync } from 'esbuild';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { InputError } from '../../../src/engine/errors';
import { floatToHalf, halfToFloat } from '../../../src/engine/onnx/float16';
import { decodeOnnx, readOnnxFile } from '../../../src/engine/onnx/read';
import { writeOnnxWithInitializers } from '../../../src/engine/onnx/write';
import { pythonFixtures } from './fixtures';

const fixtures = pythonFixtures();
const expected = JSON.parse(readFileSync(join(fixtures, 'cnn.json'), 'utf8')) as {
  input: number[];
  input_shape: number[];
  logits: number[];
  logits_zeroed: number[];
  zero_channel: number;
};
const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

async function runOrt(path: string): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(path);
  const out = await session.run({ input: new ort.Tensor('float32', Float32Array.from(expected.input), expected.input_shape) });
  return out.logits.data as Float32Array;
}
function assertClose(actual: ArrayLike<number>, want: number[], tol: number, label: string): void {
  assert.equal(actual.length, want.length);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(actual[i] - want[i]) <= tol, `${label}[${i}]: ${actual[i]} vs ${want[i]}`);
}

/** conv2's output channel k zeroed (weights [6,4,3,3] and bias), as the pruner would. */
async function zeroedConv2(path: string): Promise<{ bytes: Uint8Array; replaced: Map<string, Float32Array> }> {
  const { graph, bytes } = await readOnnxFile(path);
  const weight = Float32Array.from(graph.initializers.get('conv2.weight')!.data as Float32Array);
  const bias = Float32Array.from(graph.initializers.get('conv2.bias')!.data as Float32Array);
  const k = expected.zero_channel;
  weight.fill(0, k * 36, (k + 1) * 36);
  bias[k] = 0;
  return { bytes, replaced: new Map([['conv2.weight', weight], ['conv2.bias', bias]]) };
}

test('zeroing a conv output channel: onnxruntime gives PyTorch logits for the same pruning; source untouched', async () => {
  const src = join(fixtures, 'cnn.onnx');
  const before = sha(src);
  const out = mkdtempSync(join(tmpdir(), 'onnx-write-'));
  const dest = join(out, 'pruned.onnx');
  const { bytes, replaced } = await zeroedConv2(src);
  await writeOnnxWithInitializers(bytes, replaced, dest, src);

  assert.equal(sha(src), before, 'the source model file is unchanged');
  assertClose(await runOrt(src), expected.logits, 1e-4, 'original');
  const pruned = await runOrt(dest);
  assertClose(pruned, expected.logits_zeroed, 1e-4, 'pruned');
  const moved = expected.logits.reduce((m, v, i) => Math.max(m, Math.abs(v - pruned[i])), 0);
  assert.ok(moved > 1e-3, `pruning changed the logits (max change ${moved})`);

  // Everything but the two replaced tensors reads back identical.
  const original = (await readOnnxFile(src)).graph;
  const written = (await readOnnxFile(dest)).graph;
  assert.deepEqual(written.nodes, original.nodes);
  assert.deepEqual(written.inputs, original.inputs);
  for (const [name, t] of original.initializers) {
    assert.deepEqual(written.initializers.get(name)!.data, replaced.get(name) ?? t.data, name);
  }
  assert.deepEqual(readdirSync(out), ['pruned.onnx'], 'no temp file left behind');

  // onnx's own checker accepts the export.
  const check = spawnSync('/usr/bin/python3', ['-c', 'import onnx,sys; onnx.checker.check_model(onnx.load(sys.argv[1])); print("valid")', dest], { encoding: 'utf8' });
  assert.equal(check.stdout.trim(), 'valid', check.stderr);
});

test('a model with external data exports as one self-contained file', async () => {
  const src = join(fixtures, 'external', 'model.onnx');
  const before = sha(join(fixtures, 'external', 'weights.bin'));
  const { bytes, replaced } = await zeroedConv2(src);
  const out = mkdtempSync(join(tmpdir(), 'onnx-write-'));
  await writeOnnxWithInitializers(bytes, replaced, join(out, 'pruned.onnx'), src);
  // Alone in a fresh folder: no side file to lean on.
  const alone = mkdtempSync(join(tmpdir(), 'onnx-alone-'));
  copyFileSync(join(out, 'pruned.onnx'), join(alone, 'pruned.onnx'));
  assertClose(await runOrt(join(alone, 'pruned.onnx')), expected.logits_zeroed, 1e-4, 'pruned external');
  assert.equal(sha(join(fixtures, 'external', 'weights.bin')), before);
  // The data file the source depends on is protected too.
  await assert.rejects(
    writeOnnxWithInitializers(bytes, replaced, join(fixtures, 'external', 'weights.bin'), src),
    (e: unknown) => e instanceof InputError && /refusing to overwrite the input file/.test(e.message),
  );
  assert.equal(sha(join(fixtures, 'external', 'weights.bin')), before);
});

test('refuses to write over the source model, also through a symlink or a hard link', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'onnx-write-'));
  const src = join(dir, 'model.onnx');
  copyFileSync(join(fixtures, 'cnn.onnx'), src);
  symlinkSync(src, join(dir, 'link.onnx'));
  linkSync(src, join(dir, 'hard.onnx'));
  const before = sha(src);
  const { bytes, replaced } = await zeroedConv2(src);
  for (const dest of [src, join(dir, '.', 'model.onnx'), join(dir, 'link.onnx'), join(dir, 'hard.onnx')]) {
    await assert.rejects(writeOnnxWithInitializers(bytes, replaced, dest, src), (e: unknown) => {
      assert.ok(e instanceof InputError);
      assert.match(e.message, /refusing to overwrite the input file/);
      return true;
    });
  }
  assert.equal(sha(src), before);
});

test('unknown initializer names and wrong lengths are refused', async () => {
  const src = join(fixtures, 'cnn.onnx');
  const { bytes } = await readOnnxFile(src);
  const dest = join(mkdtempSync(join(tmpdir(), 'onnx-write-')), 'out.onnx');
  await assert.rejects(writeOnnxWithInitializers(bytes, new Map([['nope', new Float32Array(1)]]), dest, src), /the model has no initializer 'nope'/);
  await assert.rejects(
    writeOnnxWithInitializers(bytes, new Map([['conv2.bias', new Float32Array(5)]]), dest, src),
    /initializer 'conv2.bias' has dims \[6\] \(6 values\) but 5 replacement values were given/,
  );
});

test('float16 and float64 initializers keep their type; onnx reads back the rounded values', async () => {
  const src = join(fixtures, 'dtypes.onnx');
  const { bytes } = await readOnnxFile(src);
  const dest = join(mkdtempSync(join(tmpdir(), 'onnx-write-')), 'out.onnx');
  const f16 = Float32Array.from([0.1, -2, 65504, 1e-7, 3.14159, -0]);
  const f64 = Float32Array.from([1.5, -0.25, 1e-3, 7]);
  await writeOnnxWithInitializers(bytes, new Map([['f16_typed', f16], ['f64_raw', f64]]), dest, src);
  const py = spawnSync('/usr/bin/python3', ['-c', [
    'import onnx,sys,json; from onnx import numpy_helper as h',
    'm=onnx.load(sys.argv[1]); t={i.name:i for i in m.graph.initializer}',
    'print(json.dumps({n:[int(t[n].data_type), h.to_array(t[n]).astype(float).ravel().tolist()] for n in ["f16_typed","f64_raw"]}))',
  ].join('\n'), dest], { encoding: 'utf8' });
  assert.equal(py.status, 0, py.stderr);
  const back = JSON.parse(py.stdout) as Record<string, [number, number[]]>;
  assert.equal(back.f16_typed[0], 10);
  assert.deepEqual(back.f16_typed[1], Array.from(f16, (v) => halfToFloat(floatToHalf(v))));
  assert.deepEqual(back.f16_typed[1].slice(0, 3), [0.0999755859375, -2, 65504]); // numpy's own float16 rounding
  assert.equal(back.f64_raw[0], 11);
  assert.deepEqual(back.f64_raw[1], Array.from(f64));
  const g = decodeOnnx(readFileSync(dest), dest);
  assert.deepEqual(Array.from(g.initializers.get('i64_raw')!.data), Array.from(decodeOnnx(bytes, src).initializers.get('i64_raw')!.data));
});

test('int64 values (INT64_MAX/MIN included) survive the writer bit-exactly, also inside an esbuild bundle', async () => {
  // In a bundle protobufjs cannot find the `long` package by itself and would round int64s through doubles.
  const src = join(fixtures, 'dtypes.onnx');
  const dir = mkdtempSync(join(tmpdir(), 'onnx-bundle-'));
  const writer = join(__dirname, '..', '..', '..', 'src', 'engine', 'onnx', 'write.ts');
  writeFileSync(join(dir, 'entry.ts'), [
    `import { readFileSync } from 'node:fs';`,
    `import { writeOnnxWithInitializers } from ${JSON.stringify(writer)};`,
    `void writeOnnxWithInitializers(readFileSync(process.argv[2]), new Map([['f32_typed', new Float32Array([1, 2, 3])]]), process.argv[3], process.argv[2]);`,
  ].join('\n'));
  buildSync({ entryPoints: [join(dir, 'entry.ts')], bundle: true, platform: 'node', format: 'cjs', outfile: join(dir, 'bundle.js'), logLevel: 'error' });
  const bundled = join(dir, 'bundled.onnx');
  const run = spawnSync(process.execPath, [join(dir, 'bundle.js'), src, bundled], { cwd: dir, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const direct = join(dir, 'direct.onnx');
  await writeOnnxWithInitializers(readFileSync(src), new Map([['f32_typed', new Float32Array([1, 2, 3])]]), direct, src);
  for (const path of [bundled, direct]) {
    const py = spawnSync('/usr/bin/python3', ['-c', [
      'import onnx,sys; from onnx import numpy_helper as h',
      't={i.name:i for i in onnx.load(sys.argv[1]).graph.initializer}',
      'print(list(t["i64_typed"].int64_data), h.to_array(t["i64_raw"]).tolist(), h.to_array(t["f32_typed"]).tolist())',
    ].join('\n'), path], { encoding: 'utf8' });
    assert.equal(py.status, 0, py.stderr);
    const exact = '[1, -2, 1099511627776, -1125899906842624, 9223372036854775807, -9223372036854775808]';
    assert.equal(py.stdout.trim(), `${exact} ${exact} [1.0, 2.0, 3.0]`, path);
  }
});

test('float16 conversion round-trips every non-NaN half bit pattern', () => {
  for (let h = 0; h < 0x10000; h++) {
    const v = halfToFloat(h);
    if (Number.isNaN(v)) continue;
    assert.equal(floatToHalf(v), h, `bits ${h.toString(16)}`);
  }
  assert.equal(floatToHalf(65520), 0x7c00, 'rounds up to infinity past the largest half');
  assert.equal(floatToHalf(2 ** -25), 0, 'halfway below the smallest subnormal rounds to even (zero)');
  assert.equal(floatToHalf(2 ** -25 * 1.5), 1);
});
