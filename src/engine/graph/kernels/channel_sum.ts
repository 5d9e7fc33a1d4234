/**
 * Per-channel sums of an NHWC (or [M, C]) tensor, used by the hand-written gradients (bias, BatchNorm) and
 * BatchNorm's batch statistics. Why not tf.sum(x, [0, 1, 2]): tfjs reduces only innermost axes, so it first
 * transposes the whole activation to [C, N*H*W]. A whole-image average pool reduces H and W in place (NHWC is
 * its native layout), leaving a small [N, C] sum. (A GEMM with a ones row repacks X on every call: slower.) On wasm,
 * one pass of the engine's SIMD kernel (wasm/simd-kernels.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { simdChannelSums } from './wasm/simd-kernels';

export function channelSum(t: tf.Tensor): tf.Tensor1D {
  const simd = simdChannelSums(t);
  if (simd) return simd[0];
  return tf.tidy(() => {
    const c = t.shape[t.rank - 1];
    if (t.rank !== 4) return tf.sum(tf.reshape(t, [-1, c]), 0) as tf.Tensor1D;
    const [n, h, w] = t.shape as [number, number, number, number];
    if (h * w === 1) return tf.sum(tf.reshape(t, [n, c]), 0) as tf.Tensor1D;
    const pooled = tf.avgPool(t as tf.Tensor4D, [h, w], [h, w], 'valid'); // [N, 1, 1, C]
    return tf.mul(tf.sum(tf.reshape(pooled, [n, c]), 0), h * w) as tf.Tensor1D;
  });
}
