/**
 * The engine's WebAssembly SIMD kernels (graph/kernels/wasm/) against the composite tfjs ops they replace, on the
 * wasm backend: channel sums, BatchNorm's training forward and backward, ReLU's and max pooling's gradients (ties
 * and odd sizes included), and a whole training step of a real PyTorch export. Each case also checks that the
 * kernel really ran (a fallback would make the comparison empty), and the committed wasm bytes match kernels.wat.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { selectBackend } from '../../../src/engine/backend';
import { batchNormReluTrain, batchNormTrain } from '../../../src/engine/graph/kernels/batchnorm_train';
import { channelSum } from '../../../src/engine/graph/kernels/channel_sum';
import { conv2dFilterGrad, conv2dInputGrad, rotatedSwapped } from '../../../src/engine/graph/kernels/conv2d';
import { maxPoolTiled } from '../../../src/engine/graph/kernels/maxpool';
import { reluKeepingOutput } from '../../../src/engine/graph/kernels/relu';
import { setKernelHelpers, setSimdKernels, simdBnReluUsable, simdChannelSums, simdConv2d, simdConvFilterGrad, simdHelperParts, simdKernelThreads, simdMaxPoolGrad, simdSwapEnds, simdSwapOuter } from '../../../src/engine/graph/kernels/wasm/simd-kernels';
import { prng, randomArray } from './gradcheck';

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  assert.deepEqual(a.shape, b.shape);
  const x = a.dataSync();
  const y = b.dataSync();
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
  return m;
}

/** f's outputs with the SIMD kernels on and off (same inputs, same backend). */
function bothWays(f: () => tf.Tensor[]): [tf.Tensor[], tf.Tensor[]] {
  try {
    setSimdKernels(true);
    const on = tf.tidy(f);
    setSimdKernels(false);
    const off = tf.tidy(f);
    return [on, off];
  } finally {
    setSimdKernels(true);
  }
}

describe('wasm SIMD kernels equal the composite ops they replace', () => {
  it('the committed kernels-wasm.ts is built from kernels.wat', () => {
    execFileSync(process.execPath, [path.resolve(__dirname, '../../../scripts/build-kernels.mjs'), '--check'], { stdio: 'pipe' });
  });

  it('channel sums (with and without the product)', async () => {
    await selectBackend('wasm');
    const rand = prng(3);
    const a = tf.tensor4d(randomArray(7 * 5 * 9 * 12, rand), [7, 5, 9, 12]);
    const b = tf.tensor4d(randomArray(7 * 5 * 9 * 12, rand), [7, 5, 9, 12]);
    const ran = simdChannelSums(a, b);
    assert.ok(ran, 'the kernel ran');
    const [on, off] = bothWays(() => [channelSum(a), tf.sum(tf.reshape(tf.mul(a, b), [-1, 12]), 0)]);
    assert.ok(maxAbsDiff(on[0], off[0]) < 1e-4);
    assert.ok(maxAbsDiff(ran[1]!, off[1]) < 1e-4);
    // A large activation with an offset (as conv outputs have): the sums accumulate in float64, so each is the float64
    // sum rounded once (within one float32 ulp); a float32 running sum is off by ~1e-6 here.
    const big = randomArray(128 * 28 * 28 * 16, rand).map((v) => v + 3);
    const exact = new Float64Array(16);
    big.forEach((v, i) => (exact[i % 16] += v));
    const s = simdChannelSums(tf.tensor2d(big, [big.length / 16, 16]))![0].dataSync();
    exact.forEach((v, i) => assert.ok(Math.abs(s[i] - v) <= 1.2e-7 * Math.abs(v), `channel ${i}: ${s[i]} vs ${v}`));
    tf.dispose([a, b, ...ran.filter((t): t is tf.Tensor1D => t !== null), ...on, ...off]);
  });

  it('BatchNorm training forward and backward', async () => {
    await selectBackend('wasm');
    const rand = prng(5);
    const [n, h, w, c] = [6, 7, 5, 8];
    const x = tf.tensor4d(randomArray(n * h * w * c, rand).map((v) => 3 * v + 1), [n, h, w, c]);
    const g = tf.tensor1d(randomArray(c, rand));
    const b = tf.tensor1d(randomArray(c, rand));
    const dy = tf.tensor4d(randomArray(n * h * w * c, rand), [n, h, w, c]);
    const [on, off] = bothWays(() => {
      const f = (...[xx, gg, bb]: tf.Tensor[]) => {
        const r = batchNormTrain(xx as tf.Tensor4D, gg as tf.Tensor1D, bb as tf.Tensor1D, 1e-5);
        r.mean.dispose();
        r.variance.dispose();
        return tf.sum(tf.mul(r.y, dy)) as tf.Scalar;
      };
      const { value, grads } = tf.valueAndGrads(f)([x, g, b]);
      const r = batchNormTrain(x, g, b, 1e-5);
      return [r.y, r.mean, r.variance, value, ...grads];
    });
    on.forEach((t, i) => assert.ok(maxAbsDiff(t, off[i]) < 2e-4, `output ${i}: ${maxAbsDiff(t, off[i])}`));
    tf.dispose([x, g, b, dy, ...on, ...off]);
  });

  it('BatchNorm + ReLU fused: the same values and gradients as BatchNorm then ReLU', async () => {
    await selectBackend('wasm');
    const rand = prng(7);
    const [n, h, w, c] = [6, 7, 5, 8];
    // An offset input and a shift around zero: about half the outputs are clipped, so both sides of the mask count.
    const x = tf.tensor4d(randomArray(n * h * w * c, rand).map((v) => 3 * v + 1), [n, h, w, c]);
    const g = tf.tensor1d(randomArray(c, rand));
    const b = tf.tensor1d(randomArray(c, rand));
    const dy = tf.tensor4d(randomArray(n * h * w * c, rand), [n, h, w, c]);
    assert.ok(simdBnReluUsable(x), 'the fused kernels run');
    const run = (fused: boolean) => () => {
      const op = (xx: tf.Tensor4D, gg: tf.Tensor1D, bb: tf.Tensor1D) => {
        if (fused) return batchNormReluTrain(xx, gg, bb, 1e-5);
        const r = batchNormTrain(xx, gg, bb, 1e-5);
        return { ...r, y: reluKeepingOutput(r.y) };
      };
      const f = (...[xx, gg, bb]: tf.Tensor[]) => {
        const r = op(xx as tf.Tensor4D, gg as tf.Tensor1D, bb as tf.Tensor1D);
        r.mean.dispose();
        r.variance.dispose();
        return tf.sum(tf.mul(r.y, dy)) as tf.Scalar;
      };
      const { value, grads } = tf.valueAndGrads(f)([x, g, b]);
      const r = op(x, g, b);
      return [r.y, r.mean, r.variance, value, ...grads];
    };
    // With the kernels, the fused op does the unfused chain's float32 operations in the same order: equal bits.
    const fused = tf.tidy(run(true));
    const apart = tf.tidy(run(false));
    fused.forEach((t, i) => assert.equal(maxAbsDiff(t, apart[i]), 0, `output ${i}`));
    const y = fused[0].dataSync();
    assert.ok(y.some((v) => v === 0) && y.some((v) => v > 0), 'both sides of the ReLU exercised');
    // Without them (any other backend's path), the composite ops: equal within float32 rounding.
    const [again, off] = bothWays(run(true));
    fused.forEach((t, i) => assert.ok(maxAbsDiff(t, off[i]) < 2e-4, `output ${i} against the composite ops: ${maxAbsDiff(t, off[i])}`));
    tf.dispose([x, g, b, dy, ...fused, ...apart, ...again, ...off]);
  });

  it('ReLU and its gradient from its output', async () => {
    await selectBackend('wasm');
    const rand = prng(9);
    const x = tf.tensor4d(randomArray(2 * 3 * 3 * 4, rand), [2, 3, 3, 4]);
    const dy = tf.tensor4d(randomArray(2 * 3 * 3 * 4, rand), [2, 3, 3, 4]);
    const [on, off] = bothWays(() => [reluKeepingOutput(x), tf.grad((t: tf.Tensor) => tf.sum(tf.mul(reluKeepingOutput(t), dy)))(x)]);
    assert.equal(maxAbsDiff(on[0], off[0]), 0);
    assert.equal(maxAbsDiff(on[1], off[1]), 0);
    assert.ok(on[1].dataSync().some((v) => v === 0) && on[1].dataSync().some((v) => v !== 0), 'both sides of zero exercised');
    tf.dispose([x, dy, ...on, ...off]);
  });

  it('transposes [A,B,R] → [B,A,R] and [A,B,C] → [C,B,A]', async () => {
    await selectBackend('wasm');
    const rand = prng(11);
    const t = tf.tensor3d(randomArray(8 * 5 * 12, rand), [8, 5, 12]);
    const outer = simdSwapOuter(t, 8, 5);
    const ends = simdSwapEnds(t, 8, 5, 12);
    assert.ok(outer && ends, 'the kernels ran');
    const [refOuter, refEnds] = tf.tidy(() => [tf.transpose(t, [1, 0, 2]), tf.transpose(t, [2, 1, 0])]);
    assert.equal(maxAbsDiff(outer, refOuter), 0);
    assert.equal(maxAbsDiff(ends, refEnds), 0);
    assert.equal(simdSwapEnds(t, 8, 12, 5), null, 'C = 5 is not a multiple of 4: the caller falls back');
    tf.dispose([t, outer, ends, refOuter, refEnds]);
  });

  it('the rotated, in/out-swapped filter of the input gradient', async () => {
    await selectBackend('wasm');
    const w = tf.tensor4d(randomArray(3 * 3 * 8 * 12, prng(17)), [3, 3, 8, 12]);
    const [on, off] = bothWays(() => [rotatedSwapped(w)]);
    assert.deepEqual(on[0].shape, [3, 3, 12, 8]);
    assert.equal(maxAbsDiff(on[0], off[0]), 0);
    // Spot check against the definition: out[i, j, o, c] = w[2 − i, 2 − j, c, o].
    const wv = w.arraySync() as number[][][][];
    const ov = on[0].arraySync() as number[][][][];
    assert.equal(ov[0][1][5][3], wv[2][1][3][5]);
    tf.dispose([w, ...on, ...off]);
  });

  it('a conv filter gradient (its transposes) equals the composite one', async () => {
    await selectBackend('wasm');
    const rand = prng(13);
    const x = tf.tensor4d(randomArray(8 * 6 * 6 * 4, rand), [8, 6, 6, 4]);
    const dy = tf.tensor4d(randomArray(8 * 3 * 3 * 8, rand), [8, 3, 3, 8]);
    const [on, off] = bothWays(() => [conv2dFilterGrad(x, dy, 3, 3, [2, 2], [1, 0, 1, 0])]);
    assert.ok(maxAbsDiff(on[0], off[0]) < 1e-4, `${maxAbsDiff(on[0], off[0])}`);
    tf.dispose([x, dy, ...on, ...off]);
  });

  // [n, h, w, ci, co, kh, kw, strides, pads [t, b, l, r]]: same and valid padding, strides 2 with odd sizes,
  // asymmetric pads, pads wider than the kernel (rows whose every tap is padding), 1×1, 5×5, a position count that
  // is not a multiple of 4 (the forward's last tile), and a first case big enough (29 MFLOP) to be split over threads.
  const convCases: [number, number, number, number, number, number, number, [number, number], [number, number, number, number]][] = [
    [16, 28, 28, 8, 16, 3, 3, [1, 1], [1, 1, 1, 1]],
    [9, 7, 7, 12, 8, 3, 3, [1, 1], [0, 0, 0, 0]],
    [8, 9, 11, 4, 24, 3, 3, [2, 2], [1, 1, 1, 1]],
    [5, 10, 9, 4, 8, 2, 3, [2, 1], [0, 1, 2, 0]],
    [4, 6, 6, 8, 8, 3, 3, [1, 1], [4, 4, 3, 3]],
    [3, 5, 5, 16, 32, 1, 1, [1, 1], [0, 0, 0, 0]],
    [1, 12, 12, 4, 8, 5, 5, [1, 1], [2, 2, 2, 2]],
    [3, 5, 3, 4, 8, 3, 3, [1, 1], [1, 1, 1, 1]],
  ];

  /** f on tensors copied to the plain JS backend (tfjs's own kernels: the reference), values back on wasm. */
  async function onCpu(inputs: tf.Tensor[], f: (...ts: tf.Tensor[]) => tf.Tensor): Promise<tf.Tensor> {
    const data = inputs.map((t) => [t.dataSync(), t.shape] as const);
    await selectBackend('cpu');
    const [values, shape] = tf.tidy(() => {
      const r = f(...data.map(([d, s]) => tf.tensor(d, s)));
      return [r.dataSync(), r.shape] as const;
    });
    await selectBackend('wasm');
    return tf.tensor(values, shape);
  }

  /** fn with the helper threads off, then on: the two results, and how many parts the helpers ran. */
  function helpersOffOn(fn: () => tf.Tensor | null): [tf.Tensor, tf.Tensor, number] {
    try {
      setKernelHelpers(false);
      const off = fn();
      setKernelHelpers(true);
      const before = simdHelperParts();
      const on = fn();
      assert.ok(off && on, 'the kernel ran');
      return [off, on, simdHelperParts() - before];
    } finally {
      setKernelHelpers(true);
    }
  }

  it('helper threads start with the backend: as many threads as XNNPACK has', async () => {
    await selectBackend('wasm');
    simdConv2d(tf.zeros([1, 4, 4, 4]), tf.zeros([3, 3, 4, 8]), [1, 1], [1, 1, 1, 1])!.dispose(); // the helpers start on first use
    // They start in the background: wait until they answer (bounded).
    for (let i = 0; i < 100 && simdKernelThreads() < getThreadsCount(); i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(simdKernelThreads(), getThreadsCount());
  });

  for (const [n, h, w, ci, co, kh, kw, strides, pads] of convCases) {
    const name = `x [${n},${h},${w},${ci}], ${kh}×${kw} → ${co}, strides ${strides}, pads ${pads}`;
    const flops = 2 * n * h * w * kh * kw * ci * co; // an upper bound (stride 1)
    const rand = prng(n * 1000 + h * 10 + kh);
    const ho = Math.floor((h + pads[0] + pads[1] - kh) / strides[0]) + 1;
    const wo = Math.floor((w + pads[2] + pads[3] - kw) / strides[1]) + 1;
    const pad = [[0, 0], [pads[0], pads[1]], [pads[2], pads[3]], [0, 0]] as never;

    it(`conv forward kernel: ${name}`, async () => {
      await selectBackend('wasm');
      const x = tf.tensor4d(randomArray(n * h * w * ci, rand), [n, h, w, ci]);
      const f = tf.tensor4d(randomArray(kh * kw * ci * co, rand), [kh, kw, ci, co]);
      const bias = tf.tensor1d(randomArray(co, rand));
      const ref = await onCpu([x, f, bias], (xc, fc, bc) => tf.add(tf.conv2d(xc as tf.Tensor4D, fc as tf.Tensor4D, strides, pad), bc));
      const scale = Array.from(ref.dataSync()).reduce((m, v) => Math.max(m, Math.abs(v)), 1);
      const [off, on, parts] = helpersOffOn(() => simdConv2d(x, f, strides, pads, bias));
      assert.deepEqual(on.shape, [n, ho, wo, co]);
      assert.ok(maxAbsDiff(off, ref) < 1e-5 * scale, `${maxAbsDiff(off, ref)}`);
      // Each output is summed by one thread in one order: bit-identical whoever computed it.
      assert.equal(maxAbsDiff(on, off), 0);
      if (flops > 20e6 && getThreadsCount() > 1) assert.ok(parts > 0, 'the helpers took part');
      const noBias = simdConv2d(x, f, strides, pads)!;
      assert.ok(maxAbsDiff(noBias, tf.sub(off, bias)) < 1e-5 * scale);
      tf.dispose([x, f, bias, ref, off, on, noBias]);
    });

    it(`conv filter gradient kernel: ${name}`, async () => {
      await selectBackend('wasm');
      const x = tf.tensor4d(randomArray(n * h * w * ci, rand), [n, h, w, ci]);
      const dy = tf.tensor4d(randomArray(n * ho * wo * co, rand), [n, ho, wo, co]);
      // The reference: the gradient of tfjs's conv2d (its Conv2DBackpropFilter) on the plain JS backend.
      const ref = await onCpu([x, dy], (xc, dyc) => tf.grad((fw: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(xc as tf.Tensor4D, fw as tf.Tensor4D, strides, pad), dyc)))(tf.zeros([kh, kw, ci, co])));
      const scale = Array.from(ref.dataSync()).reduce((m, v) => Math.max(m, Math.abs(v)), 1);
      const [off, on, parts] = helpersOffOn(() => simdConvFilterGrad(x, dy, kh, kw, strides, pads));
      assert.ok(maxAbsDiff(off, ref) < 1e-5 * scale, `${maxAbsDiff(off, ref)}`);
      // Output-channel groups, each summed over the samples in one order: bit-identical for any thread count.
      assert.equal(maxAbsDiff(on, off), 0);
      if (flops > 20e6 && getThreadsCount() > 1 && co >= 16) assert.ok(parts > 0, 'the helpers took part');
      // And through conv2dFilterGrad with the kernels off (XNNPACK's correlation form).
      const [kernel, composite] = bothWays(() => [conv2dFilterGrad(x, dy, kh, kw, strides, pads)]);
      assert.ok(maxAbsDiff(kernel[0], composite[0]) < 1e-5 * scale);
      tf.dispose([x, dy, ref, off, on, ...kernel, ...composite]);
    });
  }

  it('a conv input gradient through the forward kernel equals the composite one (stride 2, asymmetric pads)', async () => {
    await selectBackend('wasm');
    const rand = prng(29);
    const w = tf.tensor4d(randomArray(3 * 3 * 8 * 16, rand), [3, 3, 8, 16]);
    const dy = tf.tensor4d(randomArray(4 * 5 * 5 * 16, rand), [4, 5, 5, 16]);
    const [on, off] = bothWays(() => [conv2dInputGrad([4, 10, 9, 8], w, dy, [2, 2], [1, 0, 1, 1])]);
    assert.ok(maxAbsDiff(on[0], off[0]) < 1e-4, `${maxAbsDiff(on[0], off[0])}`);
    tf.dispose([w, dy, ...on, ...off]);
  });

  for (const [h, w, kh, kw] of [[8, 8, 2, 2], [7, 9, 2, 2], [9, 9, 3, 3], [6, 7, 2, 3]]) {
    it(`max-pool gradient ${h}×${w}, window ${kh}×${kw}, with ties`, async () => {
      await selectBackend('wasm');
      const rand = prng(h * 100 + w);
      const [n, c] = [3, 8];
      // Values from a small set: many windows hold tied maxima, which only the first (row-major) may receive.
      const x = tf.tensor4d(randomArray(n * h * w * c, rand).map((v) => Math.round(v * 2) / 2), [n, h, w, c]);
      const ho = Math.floor(h / kh);
      const wo = Math.floor(w / kw);
      const dy = tf.tensor4d(randomArray(n * ho * wo * c, rand), [n, ho, wo, c]);
      const y = tf.maxPool(x, [kh, kw], [kh, kw], 'valid');
      const ran = simdMaxPoolGrad(x, y, dy, kh, kw);
      assert.ok(ran, 'the kernel ran');
      const [on, off] = bothWays(() => [tf.grad((t: tf.Tensor) => tf.sum(tf.mul(maxPoolTiled(t as tf.Tensor4D, kh, kw), dy)))(x)]);
      assert.equal(maxAbsDiff(on[0], off[0]), 0);
      assert.equal(maxAbsDiff(ran, off[0]), 0);
      // Each window's gradient goes to exactly one place: the totals match.
      assert.ok(Math.abs(tf.sum(on[0]).dataSync()[0] - tf.sum(dy).dataSync()[0]) < 1e-4);
      tf.dispose([x, dy, y, ran, ...on, ...off]);
    });
  }
});
