// Identity-fed parameters (issue #24): PyTorch's exporter shares equal tensors (here, a fresh model's BatchNorms)
// through Identity nodes. The reader gives each its own initializer, and the export writes them back separately.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import '../../../src/engine/onnx/protobuf-setup';
import { readOnnxFile } from '../../../src/engine/onnx/read';
import { encodeOnnxWithInitializers } from '../../../src/engine/onnx/write';
import { compileProgram } from '../../../src/engine/graph/compile';
import { selectBackend } from '../../../src/engine/backend';
import * as tf from '@tensorflow/tfjs-core';

const dir = mkdtempSync(path.join(tmpdir(), 'rnp-identity-'));
const file = path.join(dir, 'fresh.onnx');

test('a fresh model exported with BN kept reads, computes as onnxruntime does, and exports its shared parameters apart', async () => {
  const py = spawnSync('/usr/bin/python3', ['-c', `
import torch, torch.nn as nn
torch.manual_seed(0)
net = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.Conv2d(4, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                    nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 10)).eval()
torch.onnx.export(net, torch.zeros(1, 1, 8, 8), ${JSON.stringify(file)}, opset_version=13, input_names=['input'], output_names=['logits'],
                  dynamic_axes={'input': {0: 'batch'}, 'logits': {0: 'batch'}}, training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False)
`]);
  assert.equal(py.status, 0, String(py.stderr));
  const proto = onnx.ModelProto.decode(readFileSync(file));
  const inits = new Set((proto.graph!.initializer ?? []).map((t) => t.name));
  const shared = (proto.graph!.node ?? []).filter((n) => n.opType === 'Identity' && inits.has(n.input![0]));
  assert.ok(shared.length > 0, 'the export shares parameters through Identity nodes (else this test tests nothing)');

  const { graph, bytes } = await readOnnxFile(file);
  assert.ok(graph.notes?.[0]?.includes('Identity'), 'the report says so');
  for (const n of shared) assert.ok(graph.initializers.has(n.output![0]), `${n.output![0]} is an initializer of its own`);
  assert.equal(graph.nodes.filter((n) => n.opType === 'Identity').length, 0);

  await selectBackend('cpu', 0);
  const x = Float32Array.from({ length: 2 * 64 }, (_, i) => Math.sin(i));
  const program = compileProgram(graph, file);
  const ours = tf.tidy(() => program.forward(tf.tensor4d(x, [2, 8, 8, 1]), { training: false }).dataSync() as Float32Array);
  program.dispose();
  const session = await ort.InferenceSession.create(file);
  const ref = (await session.run({ input: new ort.Tensor('float32', x, [2, 1, 8, 8]) })).logits.data as Float32Array;
  for (let i = 0; i < ref.length; i++) assert.ok(Math.abs(ours[i] - ref[i]) <= 1e-4 * (1 + Math.abs(ref[i])), `logit ${i}: ${ours[i]} vs ${ref[i]}`);

  // Export with one shared parameter changed: it becomes its own initializer, its source keeps its values.
  const name = shared[0].output![0];
  const source = shared[0].input![0];
  const before = graph.initializers.get(source)!;
  const changed = Float32Array.from(before.data as Float32Array, (v, i) => v + 1 + i);
  const out = path.join(dir, 'exported.onnx');
  writeFileSync(out, encodeOnnxWithInitializers(bytes, new Map([[name, changed]]), file).model);
  const back = await readOnnxFile(out);
  assert.deepEqual(Array.from(back.graph.initializers.get(name)!.data as Float32Array), Array.from(changed));
  assert.deepEqual(Array.from(back.graph.initializers.get(source)!.data as Float32Array), Array.from(before.data as Float32Array));
  const exportedProto = onnx.ModelProto.decode(readFileSync(out));
  assert.ok((exportedProto.graph!.initializer ?? []).some((t) => t.name === name), 'written as an initializer');
  assert.ok(!(exportedProto.graph!.node ?? []).some((n) => n.output?.includes(name)), 'its Identity node is gone');
  const s2 = await ort.InferenceSession.create(out);
  const y2 = (await s2.run({ input: new ort.Tensor('float32', x, [2, 1, 8, 8]) })).logits.data as Float32Array;
  assert.equal(y2.length, ref.length, 'onnxruntime runs the export');
});
