/**
 * Training-mode batch normalisation over NHWC (statistics over N, H, W) with the closed-form backward pass.
 * Normalisation uses the biased batch variance, as PyTorch does; the caller gets the batch mean and biased
 * variance back to update running statistics. Written for few passes over the activation: channel sums are
 * average pools (channel_sum.ts), forward is 4 elementwise passes, backward 5; on wasm, the engine's SIMD kernels
 * (wasm/simd-kernels.ts) make the forward 3 passes (sums, centring with squares, scale and shift) and the backward 2.
 * BatchNorm followed by a ReLU (batchNormReluTrain) runs as one op there: the forward reads the input three times and
 * writes once, the backward recomputes the centred input and the ReLU's mask from the saved input instead of
 * keeping and re-reading both: 9 activation-sized passes per BN+ReLU per step instead of 15. What that buys is memory
 * (ResNet-18's epoch pair peaks at 1566 MB RSS instead of 1868), not speed: these kernels are compute-bound here.
 */
import * as tf from '@tensorflow/tfjs-core';
import { channelSum } from './channel_sum';
import { customOp } from './custom_op';
import { reluKeepingOutput } from './relu';
import {
  simdBnRelu, simdBnReluGradInput, simdBnReluGradSums, simdBnReluUsable, simdCenterAndSquares, simdChannelAffine, simdChannelSums,
  simdSquaresAbout,
} from './wasm/simd-kernels';

export interface BatchNormTrainResult {
  y: tf.Tensor4D;
  /** Batch mean and biased variance, [C] each. Owned by the caller (kept out of any enclosing tidy's reach). */
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
}

/**
 * dx = scale·dy + k2·(x − mean) + k3 per channel, from s = Σdy·(x − mean) and dBeta = Σdy over the batch's `count`
 * positions: k2 = −scale·invStd²·s/count, k3 = −scale·dBeta/count.
 */
function inputGradCoefficients(scale: tf.Tensor1D, invStd: tf.Tensor1D, s: tf.Tensor1D, dBeta: tf.Tensor1D, count: number): { k2: tf.Tensor1D; k3: tf.Tensor1D } {
  return {
    k2: tf.neg(tf.mul(scale, tf.mul(tf.square(invStd), tf.div(s, count)))) as tf.Tensor1D,
    k3: tf.neg(tf.mul(scale, tf.div(dBeta, count))) as tf.Tensor1D,
  };
}

export function batchNormTrain(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps: number): BatchNormTrainResult {
  let mean: tf.Tensor1D | undefined;
  let variance: tf.Tensor1D | undefined;
  const count = x.size / x.shape[3];
  const y = customOp<tf.Tensor4D>([x, gamma, beta], ([xi, g, b], save) => {
    const m = tf.div(channelSum(xi), count) as tf.Tensor1D;
    const simd = simdCenterAndSquares(xi, m);
    const centered = simd ? simd.centered : tf.sub(xi, m);
    const v = tf.div(simd ? simd.sumSq : channelSum(tf.square(centered)), count);
    const invStd = tf.rsqrt(tf.add(v, eps)) as tf.Tensor1D;
    const scale = tf.mul(g, invStd) as tf.Tensor1D;
    mean = tf.keep(m) as tf.Tensor1D;
    variance = tf.keep(v) as tf.Tensor1D;
    save([centered, invStd, scale]);
    return {
      value: (simdChannelAffine(centered as tf.Tensor4D, scale, b as tf.Tensor1D) ?? tf.add(tf.mul(centered, scale), b)) as tf.Tensor4D,
      gradFunc: (dy, saved) => {
        const [xc, inv, sc] = saved;
        // The per-channel sums are shared by all three gradients; only they outlive this tidy.
        const simdSums = simdChannelSums(dy, xc);
        const [dBeta, s] = simdSums ? (simdSums as [tf.Tensor1D, tf.Tensor1D]) : tf.tidy(() => [channelSum(dy), channelSum(tf.mul(dy, xc))]); // s = sum(dy * (x - mean))
        const dGamma = tf.mul(s, inv);
        // dx = scale * (dy - dBeta/M - (x - mean) * invStd² * s/M); a thunk: not needed when x is the network input.
        const dx = () =>
          tf.tidy(() => {
            const { k2, k3 } = inputGradCoefficients(sc as tf.Tensor1D, inv as tf.Tensor1D, s, dBeta, count);
            return simdChannelAffine(dy, sc as tf.Tensor1D, k3, xc, k2) ?? tf.add(tf.mul(dy, sc), tf.add(tf.mul(xc, k2), k3));
          });
        return [dx, dGamma, dBeta];
      },
    };
  });
  return { y, mean: mean!, variance: variance! };
}

/**
 * relu(batchNormTrain(x, ...)), with the same values and gradients: fused on wasm (see the header), the two ops
 * elsewhere.
 */
export function batchNormReluTrain(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps: number): BatchNormTrainResult {
  if (!simdBnReluUsable(x)) {
    const r = batchNormTrain(x, gamma, beta, eps);
    return { ...r, y: reluKeepingOutput(r.y) };
  }
  let mean: tf.Tensor1D | undefined;
  let variance: tf.Tensor1D | undefined;
  const count = x.size / x.shape[3];
  const y = customOp<tf.Tensor4D>([x, gamma, beta], ([xi, g, b], save) => {
    const m = tf.div(channelSum(xi), count) as tf.Tensor1D;
    const v = tf.div(simdSquaresAbout(xi, m)!, count);
    const invStd = tf.rsqrt(tf.add(v, eps)) as tf.Tensor1D;
    const scale = tf.mul(g, invStd) as tf.Tensor1D;
    mean = tf.keep(m) as tf.Tensor1D;
    variance = tf.keep(v) as tf.Tensor1D;
    save([xi, m, invStd, scale, b]);
    return {
      value: simdBnRelu(xi as tf.Tensor4D, m, scale, b as tf.Tensor1D)!,
      gradFunc: (dy, saved) => {
        const [xs, ms, inv, sc, shift] = saved as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
        const [dBeta, s] = simdBnReluGradSums(dy, xs, ms, sc, shift)!; // Σdz, Σdz·(x − mean), dz = dy where y > 0
        const dGamma = tf.mul(s, inv);
        const dx = () =>
          tf.tidy(() => {
            const { k2, k3 } = inputGradCoefficients(sc, inv, s, dBeta, count);
            return simdBnReluGradInput(dy, xs, ms, sc, shift, k3, k2)!;
          });
        return [dx, dGamma, dBeta];
      },
    };
  });
  return { y, mean: mean!, variance: variance! };
}
