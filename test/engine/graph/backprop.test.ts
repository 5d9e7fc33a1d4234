/**
 * leanVariableGrads (graph/backprop.ts) against tf.variableGrads on real PyTorch exports with BatchNorm, residual
 * adds and depthwise convs: the same loss and the same gradients (weights in unlearning, masks in recovery with
 * frozen weights), on wasm, and no tensor left behind.
 */
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { selectBackend } from '../../../src/engine/backend';
import { leanVariableGrads } from '../../../src/engine/graph/backprop';
import { compileProgram } from '../../../src/engine/graph/compile';
import { readOnnxFile } from '../../../src/engine/onnx/read';
import { crossEntropy } from '../../../src/engine/train/loss';
import { parityFixtures, relativeError } from './fixtures';
import { prng, randomArray } from './gradcheck';

describe('lean backprop equals tf.variableGrads', () => {
  for (const name of ['mnist_cnn_bnkept', 'mobilenetv2_small_bnkept', 'preact_resnet18_folded']) {
    for (const mode of ['weights', 'masks'] as const) {
      it(`${name}: gradients of the ${mode}`, async () => {
        await selectBackend('wasm');
        const f = parityFixtures().find((p) => p.name === name);
        assert.ok(f, `parity fixture ${name} missing`);
        const { graph } = await readOnnxFile(f.file);
        const program = compileProgram(graph, f.file);
        const [c, h, w] = program.inputShape;
        const n = 3;
        const rand = prng(7);
        const x = tf.tensor4d(randomArray(n * h * w * c, rand), [n, h, w, c]);
        const y = tf.tensor1d([1, 0, 2], 'int32');
        const masks = program.maskSites.map((s) => tf.variable(tf.tensor1d(randomArray(s.channels, rand).map((v) => 0.5 + 0.5 * Math.abs(v))), true));
        const weights = [...program.weights.values()];
        if (mode === 'masks') weights.forEach((v) => (v.trainable = false));
        const vars = mode === 'masks' ? masks : weights;
        const loss = () => crossEntropy(program.forward(x, { training: true, masks }), y);
        try {
          tf.tidy(() => program.forward(x, { training: false })); // creates the program's lazily made constants
          const before = tf.memory().numTensors;
          const ref = tf.variableGrads(loss, vars);
          const lean = leanVariableGrads(loss, vars);
          assert.equal(lean.value.dataSync()[0], ref.value.dataSync()[0]);
          assert.deepEqual(Object.keys(lean.grads).sort(), Object.keys(ref.grads).sort());
          for (const [k, g] of Object.entries(ref.grads)) {
            const err = relativeError(lean.grads[k].dataSync() as Float32Array, g.dataSync() as Float32Array);
            assert.ok(err <= 1e-6, `${k}: relative error ${err}`);
          }
          tf.dispose([ref.value, lean.value, ...Object.values(ref.grads), ...Object.values(lean.grads)]);
          assert.equal(tf.memory().numTensors, before, 'tensors left behind');
        } finally {
          weights.forEach((v) => (v.trainable = true));
          tf.dispose([x, y, ...masks]);
          program.dispose();
        }
      });
    }
  }
});
