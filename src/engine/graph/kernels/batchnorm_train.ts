/**
 * Training-mode batch normalisation over NHWC (statistics over N, H, W) with the closed-form backward pass
 * (one fused expression instead of autodiff through moments, which is several extra passes over the activation).
 * Normalisation uses the biased batch variance, as PyTorch does; the caller gets the batch mean and biased
 * variance back to update running statistics.
 */
import * as tf from '@tensorflow/tfjs-core';
import { customOp } from './custom_op';

export interface BatchNormTrainResult {
  y: tf.Tensor4D;
  /** Batch mean and biased variance, [C] each. Owned by the caller (kept out of any enclosing tidy's reach). */
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
}

export function batchNormTrain(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps: number): BatchNormTrainResult {
  let mean: tf.Tensor1D | undefined;
  let variance: tf.Tensor1D | undefined;
  const y = customOp<tf.Tensor4D>([x, gamma, beta], ([xi, g, b], save) => {
    const m = tf.mean(xi, [0, 1, 2]);
    const centered = tf.sub(xi, m);
    const v = tf.mean(tf.square(centered), [0, 1, 2]);
    const invStd = tf.rsqrt(tf.add(v, eps));
    const xhat = tf.mul(centered, invStd);
    mean = tf.keep(m) as tf.Tensor1D;
    variance = tf.keep(v) as tf.Tensor1D;
    save([xhat, invStd, g]);
    return {
      value: tf.add(tf.mul(xhat, g), b) as tf.Tensor4D,
      gradFunc: (dy, saved) => {
        const [xh, inv, gs] = saved;
        const count = xh.size / xh.shape[3]!;
        const dBeta = tf.sum(dy, [0, 1, 2]);
        const dGamma = tf.sum(tf.mul(dy, xh), [0, 1, 2]);
        // dx = gamma*invStd/M * (M*dy - sum(dy) - xhat*sum(dy*xhat))
        const scale = tf.div(tf.mul(gs, inv), count);
        const inner = tf.sub(tf.sub(tf.mul(dy, count), dBeta), tf.mul(xh, dGamma));
        return [tf.mul(inner, scale), dGamma, dBeta];
      },
    };
  });
  return { y, mean: mean!, variance: variance! };
}
