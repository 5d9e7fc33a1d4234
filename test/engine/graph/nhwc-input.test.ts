// A model whose ONNX input is NHWC (issue #24: "messages for NHWC inputs name the wrong dimensions"): a PyTorch net
// that starts with x.permute(0, 3, 1, 2), as TensorFlow-style pipelines feed images, exported by torch.onnx. The
// program reads its input as [C, H, W] = [3, 8, 8] (not [8, 8, 3]), runs NHWC batches to PyTorch's logits, masks its
// BatchNorm, loads channels-last data, and a data set of the wrong shape is told the model's real dimensions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import { readOnnxFile } from '../../../src/engine/onnx/read';
import { compileProgram } from '../../../src/engine/graph/compile';
import { selectBackend } from '../../../src/engine/backend';
import { loadDataset } from '../../../src/engine/data/load';
import { writeNpz } from '../../../src/engine/data/npz';
import { InputError } from '../../../src/engine/errors';
import { summarizeModel } from '../../../src/engine/model-summary';

const dir = mkdtempSync(path.join(tmpdir(), 'rnp-nhwc-'));
const N = 4;
const py = spawnSync('/usr/bin/python3', ['-c', `
import json, torch, torch.nn as nn
torch.manual_seed(0)
class Net(nn.Module):
    def __init__(s):
        super().__init__()
        s.c = nn.Conv2d(3, 6, 3, padding=1); s.b = nn.BatchNorm2d(6); s.fc = nn.Linear(6 * 4 * 4, 5)
    def forward(s, x):
        x = x.permute(0, 3, 1, 2)
        x = torch.max_pool2d(torch.relu(s.b(s.c(x))), 2)
        return s.fc(x.flatten(1))
net = Net()
for _ in range(3): net(torch.randn(8, 8, 8, 3))
net.eval()
torch.onnx.export(net, torch.zeros(1, 8, 8, 3), ${JSON.stringify(dir)} + '/nhwc.onnx', opset_version=13, input_names=['image'], output_names=['logits'], dynamic_axes={'image': {0: 'n'}, 'logits': {0: 'n'}})
x = torch.rand(${N}, 8, 8, 3)
with torch.no_grad(): json.dump({'x': x.flatten().tolist(), 'ref': net(x).flatten().tolist()}, open(${JSON.stringify(dir)} + '/ref.json', 'w'))
`]);

test('an NHWC-input export: [C, H, W] = [3, 8, 8], PyTorch\'s and onnxruntime\'s logits, its BatchNorm masked', async () => {
  assert.equal(py.status, 0, String(py.stderr));
  await selectBackend('cpu');
  const file = path.join(dir, 'nhwc.onnx');
  const { graph } = await readOnnxFile(file);
  assert.deepEqual(graph.inputs[0].shape.slice(1), [8, 8, 3], 'the file declares channels last');
  const program = compileProgram(graph, file);
  try {
    assert.deepEqual(program.inputShape, [3, 8, 8]);
    assert.equal(program.inputLayout, 'NHWC');
    assert.deepEqual(program.maskSites.map((s) => s.channels), [6]);
    const ref = JSON.parse(readFileSync(path.join(dir, 'ref.json'), 'utf8')) as { x: number[]; ref: number[] };
    // The program's batches are NHWC: here that is the file's own input layout, the same numbers.
    const logits = tf.tidy(() => program.forward(tf.tensor4d(ref.x, [N, 8, 8, 3]), { training: false }).dataSync());
    const session = await ort.InferenceSession.create(file);
    const ortOut = (await session.run({ image: new ort.Tensor('float32', Float32Array.from(ref.x), [N, 8, 8, 3]) })).logits.data as Float32Array;
    for (let i = 0; i < ref.ref.length; i++) {
      assert.ok(Math.abs(logits[i] - ref.ref[i]) <= 1e-4 * (1 + Math.abs(ref.ref[i])), `logit ${i}: ${logits[i]} vs PyTorch ${ref.ref[i]}`);
      assert.ok(Math.abs(ortOut[i] - ref.ref[i]) <= 1e-4 * (1 + Math.abs(ref.ref[i])), `onnxruntime logit ${i}`);
    }
    // Training mode too (BatchNorm on batch statistics): the gradient reaches the mask through the free Transpose.
    const g = tf.tidy(() => {
      const m = tf.ones([6]) as tf.Tensor1D;
      return tf.grad((mm: tf.Tensor) => tf.sum(program.forward(tf.tensor4d(ref.x, [N, 8, 8, 3]), { training: true, masks: [mm as tf.Tensor1D] })))(m).dataSync();
    });
    assert.ok(Array.from(g).some((v) => v !== 0) && Array.from(g).every(Number.isFinite), `mask gradient ${Array.from(g)}`);
  } finally {
    program.dispose();
  }
  const s = await summarizeModel(file);
  assert.ok(s.scannable.ok && s.scannable.inputLayout === 'NHWC' && s.scannable.inputShape.join() === '3,8,8', JSON.stringify(s.scannable));
});

test('channels-last data loads for it, and data of another shape is told the model\'s real dimensions', async () => {
  assert.equal(py.status, 0, String(py.stderr));
  const x = new Uint8Array(2 * 8 * 8 * 3).map((_, i) => i % 251);
  const good = path.join(dir, 'good.npz');
  await writeNpz(good, { x: { dtype: 'uint8', shape: [2, 8, 8, 3], data: x }, y: { dtype: 'int64', shape: [2], data: BigInt64Array.from([0n, 4n]) } });
  const d = await loadDataset(good, { expectShape: [3, 8, 8], numClasses: 5 });
  assert.deepEqual(d.shape, [3, 8, 8]);
  const bad = path.join(dir, 'bad.npz');
  await writeNpz(bad, { x: { dtype: 'uint8', shape: [2, 8, 8, 1], data: new Uint8Array(128) }, y: { dtype: 'int64', shape: [2], data: new BigInt64Array(2) } });
  const { graph } = await readOnnxFile(path.join(dir, 'nhwc.onnx'));
  const program = compileProgram(graph);
  try {
    await assert.rejects(loadDataset(bad, { expectShape: program.inputShape, numClasses: program.numClasses }), (e) => e instanceof InputError && /\(N, 3, 8, 8\) \(NCHW\) or \(N, 8, 8, 3\) \(NHWC\)/.test(e.message) && e.file === bad);
  } finally {
    program.dispose();
  }
});
