// Reading real PyTorch exports: structure and every initializer value agree with onnx's own Python reader.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeOnnx, readOnnxFile } from '../../../src/engine/onnx/read';
import type { IrGraph } from '../../../src/engine/onnx/ir';
import { parityModels, pythonFixtures } from './fixtures';

interface Summary {
  ir_version: number;
  opset: number;
  nodes: string[];
  node_names: string[];
  inputs: string[];
  initializers: Record<string, { dims: number[]; dtype: number; values: number[] | null; sum: number }>;
}

const dir = pythonFixtures();
const load = (name: string): Summary => JSON.parse(readFileSync(join(dir, name), 'utf8')) as Summary;

function assertMatchesPython(graph: IrGraph, expected: Summary, label: string): void {
  assert.equal(graph.irVersion, expected.ir_version, `${label}: IR version`);
  assert.equal(graph.opset, expected.opset, `${label}: opset`);
  assert.deepEqual(graph.inputs.map((i) => i.name), expected.inputs, `${label}: inputs`);
  // Exporter output is already in topological order, which the reader must keep.
  assert.deepEqual(graph.nodes.map((n) => n.opType), expected.nodes, `${label}: node op types`);
  assert.deepEqual(graph.nodes.map((n) => n.name), expected.node_names.map((n, i) => n || `${expected.nodes[i]}_${i}`));
  assert.deepEqual([...graph.initializers.keys()].sort(), Object.keys(expected.initializers).sort(), `${label}: initializer names`);
  for (const [name, want] of Object.entries(expected.initializers)) {
    const got = graph.initializers.get(name)!;
    assert.deepEqual(got.dims, want.dims, `${label}: dims of ${name}`);
    const values = got.data as ArrayLike<number>;
    if (want.values) {
      assert.equal(values.length, want.values.length);
      want.values.forEach((v, i) => {
        // float64 initializers become Float32Array: compare at float32 precision.
        const expectedValue = got.kind === 'float' ? Math.fround(v) : v;
        assert.ok(Object.is(values[i], expectedValue) || values[i] === expectedValue, `${label}: ${name}[${i}] = ${values[i]}, python says ${v}`);
      });
    }
    let sum = 0;
    for (let i = 0; i < values.length; i++) sum += values[i];
    assert.ok(Math.abs(sum - want.sum) <= 1e-6 * (1 + Math.abs(want.sum)) || want.values, `${label}: sum of ${name} ${sum} vs ${want.sum}`);
  }
}

test('a PyTorch CNN export matches onnx.numpy_helper value by value', async () => {
  const { graph, bytes } = await readOnnxFile(join(dir, 'cnn.onnx'));
  assertMatchesPython(graph, load('cnn.json'), 'cnn');
  assert.equal(bytes.length, readFileSync(join(dir, 'cnn.onnx')).length);
  assert.deepEqual(graph.inputs[0].shape, ['batch', 1, 14, 14]);
  assert.equal(graph.inputs[0].elemType, 1);
  assert.equal(graph.outputs[0].name, 'logits');
  const conv = graph.nodes.find((n) => n.opType === 'Conv')!;
  assert.deepEqual(conv.attrs.kernel_shape, [3, 3]);
  assert.deepEqual(conv.attrs.strides, [1, 1]);
  const bn = graph.nodes.find((n) => n.opType === 'BatchNormalization')!;
  assert.ok(Math.abs((bn.attrs.epsilon as number) - 1e-5) < 1e-9);
  assert.match(graph.producer, /pytorch/);
});

test('every element type and storage form (raw and typed fields) decodes like onnx.numpy_helper', async () => {
  const { graph } = await readOnnxFile(join(dir, 'dtypes.onnx'));
  const expected = load('dtypes.json');
  // INT64_MAX / INT64_MIN are "unbounded" sentinels: read as ±MAX_SAFE_INTEGER (Python keeps the exact int64).
  for (const name of ['i64_raw', 'i64_typed']) {
    expected.initializers[name].values = expected.initializers[name].values!.map((v) =>
      Math.abs(v) >= 2 ** 62 ? Math.sign(v) * Number.MAX_SAFE_INTEGER : v,
    );
    expected.initializers[name].sum = expected.initializers[name].values!.reduce((a, b) => a + b, 0);
  }
  assertMatchesPython(graph, expected, 'dtypes');
  assert.equal(graph.initializers.get('f16_raw')!.kind, 'float');
  assert.equal(graph.initializers.get('bool_raw')!.kind, 'int');
  assert.deepEqual(graph.initializers.get('scalar')!.dims, []);
});

test('a model with external data (onnx.save_model, one side file) loads the same values', async () => {
  const { graph } = await readOnnxFile(join(dir, 'external', 'model.onnx'));
  assertMatchesPython(graph, load('cnn.json'), 'external');
});

test('raw_data at an unaligned offset inside the buffer decodes correctly', () => {
  const file = readFileSync(join(dir, 'cnn.onnx'));
  const shifted = new Uint8Array(file.length + 1).subarray(1);
  shifted.set(file);
  const graph = decodeOnnx(shifted, 'cnn.onnx');
  assertMatchesPython(graph, load('cnn.json'), 'unaligned');
});

test('the parity fixtures (fixtures/build/parity, real PyTorch exports) match onnx.numpy_helper', async (t) => {
  const extra = load('extra.json') as unknown as Record<string, Summary>;
  const models = parityModels();
  assert.deepEqual(Object.keys(extra).sort(), models, 'summaries for every parity model');
  for (const path of models) {
    await t.test(path.split('/').pop()!, async () => {
      const { graph } = await readOnnxFile(path);
      assertMatchesPython(graph, extra[path], path);
    });
  }
});

test('float weights are used in place, not copied: at any start offset of the buffer, most of them are views on the bytes the reader keeps', async () => {
  const model = join(__dirname, '../../../fixtures/trained/vgg_small_badnets/model.onnx');
  const file = readFileSync(model);
  const floatsOf = (g: IrGraph) => [...g.initializers].filter(([, t]) => t.kind === 'float').map(([name, t]) => [name, t.data as Float32Array] as const);
  const { graph, bytes } = await readOnnxFile(model);
  // The file fixes each tensor's offset modulo 4; the reader's start shift can align one residue class, the largest.
  const [name, largest] = floatsOf(graph).sort((a, b) => b[1].byteLength - a[1].byteLength)[0];
  assert.ok(largest.byteLength >= 1 << 20, 'the fixture has a large weight');
  assert.ok(largest.buffer === bytes.buffer, `${name} is a view on the kept bytes`);
  const reference = new Map(floatsOf(graph).map(([name, d]) => [name, Array.from(d)]));
  for (let shift = 0; shift < 4; shift++) {
    const shifted = new Uint8Array(file.length + shift).subarray(shift);
    shifted.set(file);
    const g = decodeOnnx(shifted, model);
    const views = floatsOf(g).filter(([, d]) => d.byteLength < d.buffer.byteLength).reduce((a, [, d]) => a + d.byteLength, 0);
    const total = floatsOf(g).reduce((a, [, d]) => a + d.byteLength, 0);
    // The reader chose a start that aligns most of them (onnx/align.ts), whatever the offset they came at.
    assert.ok(views >= total / 2, `shift ${shift}: ${views} of ${total} bytes in place`);
    for (const [name, d] of floatsOf(g)) assert.deepEqual(Array.from(d), reference.get(name), `shift ${shift}: ${name}`);
  }
});

test('a model moved in the reader\'s own buffer to align its weights reads exactly as from an untouched copy: every node, attribute and initializer', async () => {
  // The move shifts every bytes field the decoder left as a view (int raw_data, string attributes such as Pad's
  // mode), not only the floats; a model with all of those, at each of the file's possible alignments.
  const model = join(__dirname, '../../../fixtures/build/parity/preact_resnet18_folded.onnx');
  const { graph } = await readOnnxFile(model);
  const copy = decodeOnnx(new Uint8Array(readFileSync(model)), model);
  const plain = (g: IrGraph) => JSON.stringify({ nodes: g.nodes, init: [...g.initializers].map(([n, t]) => [n, t.kind, t.dims, Array.from(t.data as ArrayLike<number>)]) });
  assert.ok(graph.nodes.some((n) => n.opType === 'Pad' && typeof n.attrs.mode === 'string'), 'the model has a string attribute');
  assert.equal(plain(graph), plain(copy));
});
