// ONNX's own GroupNormalization op (issue #24: "RNP for normalisation layers other than BatchNorm"), which
// torch 1.13's exporter never writes (it stops at opset 17), so the models are built with Debian's python3-onnx: a
// Conv, GroupNormalization (2 groups of 4 channels), ReLU, pooling and a Gemm head, at opset 21 (scale and bias per
// channel: the mask site) and at opset 18 (per group: no channel to mask, so the conv outputs carry the masks).
// onnxruntime is the oracle: same logits, and at opset 21 a channel masked to 0 equals that channel pruned in the
// exported file.
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
import { encodeOnnxWithInitializers } from '../../../src/engine/onnx/write';
import { prune } from '../../../src/engine/rnp/prune';
import { selectBackend } from '../../../src/engine/backend';
import { assertLogitsClose } from '../../logits-close';

const dir = mkdtempSync(path.join(tmpdir(), 'rnp-group-normalization-'));
const N = 3;
const py = spawnSync('/usr/bin/python3', ['-c', `
import numpy as np, onnx
from onnx import helper, TensorProto, numpy_helper
rng = np.random.default_rng(0)
for opset in (18, 21):
    C, G = 8, 2
    per = C if opset >= 21 else G
    t = lambda a, name: numpy_helper.from_array(a.astype(np.float32), name)
    inits = [t(rng.normal(size=(C, 3, 3, 3)) * 0.3, 'c.weight'), t(rng.normal(size=(C,)) * 0.1, 'c.bias'),
             t(rng.uniform(0.5, 1.5, size=(per,)), 'gn.scale'), t(rng.uniform(-0.3, 0.3, size=(per,)), 'gn.bias'),
             t(rng.normal(size=(5, C)) * 0.5, 'fc.weight'), t(rng.normal(size=(5,)) * 0.1, 'fc.bias')]
    nodes = [helper.make_node('Conv', ['x', 'c.weight', 'c.bias'], ['c'], pads=[1, 1, 1, 1], name='conv'),
             helper.make_node('GroupNormalization', ['c', 'gn.scale', 'gn.bias'], ['g'], num_groups=G, epsilon=1e-5, name='gn'),
             helper.make_node('Relu', ['g'], ['r'], name='relu'),
             helper.make_node('GlobalAveragePool', ['r'], ['p'], name='gap'),
             helper.make_node('Flatten', ['p'], ['f'], name='flat'),
             helper.make_node('Gemm', ['f', 'fc.weight', 'fc.bias'], ['logits'], transB=1, name='fc')]
    g = helper.make_graph(nodes, 'gn', [helper.make_tensor_value_info('x', TensorProto.FLOAT, ['n', 3, 8, 8])],
                          [helper.make_tensor_value_info('logits', TensorProto.FLOAT, ['n', 5])], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid('', opset)])
    m.ir_version = 10 if opset >= 21 else 8  # this onnx (1.12) knows neither opset; onnxruntime checks the model
    onnx.save(m, ${JSON.stringify(dir)} + f'/gn{opset}.onnx')
`]);

const xs = Float32Array.from({ length: N * 192 }, (_, i) => Math.sin(i * 0.37) * 2);

for (const opset of [18, 21]) {
  test(`GroupNormalization at opset ${opset}: onnxruntime's logits; ${opset >= 21 ? 'one mask per channel on its scale, a masked channel equals it pruned' : 'per-group scale, so the conv outputs carry the masks'}`, async () => {
    assert.equal(py.status, 0, String(py.stderr));
    await selectBackend('cpu');
    const file = path.join(dir, `gn${opset}.onnx`);
    const { graph } = await readOnnxFile(file);
    const program = compileProgram(graph, file);
    const session = await ort.InferenceSession.create(file);
    const ortLogits = async (model: string | Uint8Array) => {
      const s = typeof model === 'string' ? session : await ort.InferenceSession.create(model);
      return (await s.run({ x: new ort.Tensor('float32', xs, [N, 3, 8, 8]) })).logits.data as Float32Array;
    };
    const x = tf.tidy(() => tf.transpose(tf.tensor4d(xs, [N, 3, 8, 8]), [0, 2, 3, 1]) as tf.Tensor4D);
    try {
      assertLogitsClose(tf.tidy(() => program.forward(x, { training: false }).dataSync()), await ortLogits(file), 'onnxruntime');
      if (opset < 21) {
        assert.equal(program.maskSite, 'conv-output');
        return;
      }
      assert.equal(program.maskSite, 'groupnorm');
      assert.deepEqual(program.maskSites.map((s) => [s.kind, s.channels, s.params]), [['groupnorm', 8, ['gn.scale']]]);
      const grad = tf.tidy(() => Array.from(tf.grad((m: tf.Tensor) => tf.sum(program.forward(x, { training: true, masks: [m as tf.Tensor1D] })))(tf.ones([8])).dataSync()));
      assert.ok(grad.some((v) => v !== 0) && grad.every(Number.isFinite), `mask gradient ${grad}`);
      const mask = Float32Array.from([1, 0.1, 1, 1, 1, 0, 1, 1]);
      const p = prune(graph.initializers, program.maskSites, [mask], 0.2);
      assert.equal(p.count, 2);
      const zeroOne = tf.tensor1d(Array.from(mask, (v) => (v <= 0.2 ? 0 : 1))) as tf.Tensor1D;
      const masked = tf.tidy(() => program.forward(x, { training: false, masks: [zeroOne] }).dataSync());
      zeroOne.dispose();
      const unmasked = tf.tidy(() => program.forward(x, { training: false }).dataSync());
      assert.ok(masked.some((v, i) => Math.abs(v - unmasked[i]) > 1e-3), 'the mask changes the logits');
      assertLogitsClose(await ortLogits(encodeOnnxWithInitializers(readFileSync(file), p.replaced, file).model), masked, 'pruned file vs masked program');
    } finally {
      x.dispose();
      program.dispose();
    }
  });
}
