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
