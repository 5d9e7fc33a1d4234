/**
 * The hand-written gradients (kernels/) against tfjs's own gradients of the equivalent built-in ops, computed on
 * the cpu backend (which registers every backprop kernel): conv2d, depthwise conv, tiled max-pool, train-mode
 * BatchNorm (vs autodiff through moments), matMulNN, ReLU keeping its output and the residual add, each run on cpu
 * and wasm.
 */
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { selectBackend } from '../../../src/engine/backend';
import '../../../src/engine/graph/compile'; // registers tfjs's gradients
import { batchNormTrain } from '../../../src/engine/graph/kernels/batchnorm_train';
import { conv2d, explicitPad, type Pads4 } from '../../../src/engine/graph/kernels/conv2d';
import { depthwiseConv2d } from '../../../src/engine/graph/kernels/depthwise';
import { matMulNN } from '../../../src/engine/graph/kernels/matmul';
import { maxPoolTiled } from '../../../src/engine/graph/kernels/maxpool';
import { reluKeepingOutput } from '../../../src/engine/graph/kernels/relu';
import { addSameShape } from '../../../src/engine/graph/kernels/add_same_shape';
import { prng, randomArray } from './gradcheck';
import { relativeError } from './fixtures';

type Arrays = { shape: number[]; data: Float32Array }[];

/** Value and gradients of sum(f(inputs) * r) w.r.t. every input, as plain arrays. */
function valueAndGrads(f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: Arrays, seed: number): Float32Array[] {
  return tf.tidy(() => {
    const ts = inputs.map((a) => tf.tensor(a.data, a.shape));
    const y = f(...ts);
    const r = tf.tensor(randomArray(y.size, prng(seed)), y.shape);
    const g = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(f(...xs), r)))(ts);
    return [y, ...g].map((t) => t.dataSync() as Float32Array);
  });
}

async function compare(name: string, ours: (...xs: tf.Tensor[]) => tf.Tensor, builtin: (...xs: tf.Tensor[]) => tf.Tensor, inputs: Arrays) {
  await selectBackend('cpu');
  const expected = valueAndGrads(builtin, inputs, 9);
  for (const backend of ['cpu', 'wasm'] as const) {
    await selectBackend(backend);
    const got = valueAndGrads(ours, inputs, 9);
    got.forEach((g, i) => {
      const err = relativeError(g, expected[i]);
      assert.ok(err <= 2e-5, `${name} on ${backend}: ${i === 0 ? 'value' : `gradient ${i}`} relative error ${err}`);
    });
  }
}

const rand = prng(2024);
const arr = (...shape: number[]) => ({ shape, data: randomArray(shape.reduce((a, b) => a * b, 1), rand) });

describe('custom gradients equal tfjs built-in gradients', () => {
  const convCases: [string, number[], number[], [number, number], Pads4][] = [
    ['3x3 same', [2, 6, 7, 3], [3, 3, 3, 4], [1, 1], [1, 1, 1, 1]],
    ['3x3 one input channel', [3, 6, 7, 1], [3, 3, 1, 5], [1, 1], [1, 1, 1, 1]],
    ['2x3 one input channel, stride 2, asymmetric pads', [2, 7, 8, 1], [2, 3, 1, 3], [2, 2], [1, 0, 0, 2]],
    ['3x3 stride 2 asymmetric pads', [2, 7, 8, 3], [3, 3, 3, 5], [2, 2], [0, 1, 1, 0]],
    ['4x4 stride 2 valid, leftover rows', [1, 9, 8, 2], [4, 4, 2, 3], [2, 2], [0, 0, 0, 0]],
    ['1x1 stride 2', [2, 5, 5, 4], [1, 1, 4, 6], [2, 2], [0, 0, 0, 0]],
    ['2x2 pads beyond kernel', [1, 4, 4, 2], [2, 2, 2, 2], [1, 1], [2, 2, 2, 2]],
    ['3x2 stride 3x1', [2, 9, 6, 2], [3, 2, 2, 3], [3, 1], [1, 0, 0, 1]],
  ];
  for (const [name, xs, ws, strides, pads] of convCases) {
    it(`conv2d ${name}`, () =>
      compare(
        `conv2d ${name}`,
        (x, w) => conv2d(x as tf.Tensor4D, w as tf.Tensor4D, strides, pads),
        (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, strides, explicitPad(pads)),
        [arr(...xs), arr(...ws)],
      ));
  }
  const dwCases: [string, number[], number[], [number, number], Pads4][] = [
    ['3x3 same', [2, 6, 6, 4], [3, 3, 4, 1], [1, 1], [1, 1, 1, 1]],
    ['3x3 stride 2', [2, 7, 7, 3], [3, 3, 3, 1], [2, 2], [1, 1, 1, 1]],
    ['5x5 stride 2 asymmetric', [1, 8, 9, 2], [5, 5, 2, 1], [2, 2], [2, 1, 1, 2]],
  ];
  for (const [name, xs, ws, strides, pads] of dwCases) {
    it(`depthwise ${name}`, () =>
      compare(
        `depthwise ${name}`,
        (x, w) => depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, strides, pads),
        (x, w) => tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, strides, explicitPad(pads)),
        [arr(...xs), arr(...ws)],
      ));
  }
  it('tiled max-pool', () =>
    compare('maxpool', (x) => maxPoolTiled(x as tf.Tensor4D, 2, 3), (x) => tf.maxPool(x as tf.Tensor4D, [2, 3], [2, 3], 'valid'), [arr(2, 6, 9, 3)]));
  it('tiled max-pool with tied maxima: the first maximum of each window takes the gradient', () => {
    const tied = arr(2, 6, 6, 3);
    tied.data = tied.data.map((v) => Math.round(v)); // values in {-1, 0, 1}: most windows have ties
    return compare('maxpool ties', (x) => maxPoolTiled(x as tf.Tensor4D, 2, 2), (x) => tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid'), [tied]);
  });
  it('train-mode batch norm (closed form vs autodiff)', () =>
    compare(
      'batchnorm',
      (x, g, b) => {
        const r = batchNormTrain(x as tf.Tensor4D, g as tf.Tensor1D, b as tf.Tensor1D, 1e-5);
        tf.dispose([r.mean, r.variance]); // kept out of tidy by design; not needed here
        return r.y;
      },
      (x, g, b) => {
        const { mean, variance } = tf.moments(x, [0, 1, 2]);
        return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), g), b);
      },
      [arr(3, 4, 5, 6), arr(6), arr(6)],
    ));
  it('relu keeping its output (exact zeros included)', () => {
    const x = arr(2, 5, 4, 3);
    x.data[0] = 0;
    x.data[7] = 0;
    return compare('relu', (t) => reluKeepingOutput(t), (t) => tf.relu(t), [x]);
  });
  it('residual add', () => compare('add', (a, b) => addSameShape(a, b), (a, b) => tf.add(a, b), [arr(2, 3, 4, 5), arr(2, 3, 4, 5)]));
  it('a gradient nobody asks for is not computed, and nothing saved outlives the tape', async () => {
    await selectBackend('wasm');
    const w = tf.variable(tf.tensor(randomArray(3 * 3 * 2 * 4, rand), [3, 3, 2, 4]), true);
    const x = tf.tensor(randomArray(2 * 5 * 5 * 2, rand), [2, 5, 5, 2]) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const profile = await tf.profile(() => {
      const { value, grads } = tf.variableGrads(() => tf.sum(reluKeepingOutput(conv2d(x, w as tf.Variable<tf.Rank.R4>, [1, 1], [1, 1, 1, 1]))), [w]);
      tf.dispose([value, grads[w.name]]);
    });
    assert.equal(tf.memory().numTensors, before, 'tensors left behind');
    // One conv forward, one filter-gradient conv; no input-gradient conv (x is a constant).
    assert.equal(profile.kernels.filter((k) => k.name === 'Conv2D' || k.name === 'FusedConv2D').length, 2);
    tf.dispose([w, x]);
  });
  it('matMulNN', () => compare('matmul', (a, b) => matMulNN(a as tf.Tensor2D, b as tf.Tensor2D), (a, b) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D), [arr(7, 5), arr(5, 3)]));
});
