/**
 * y = x * m for an NHWC x and a per-channel m (a conv-output mask), with m's gradient as a channel sum
 * (channel_sum.ts) instead of tfjs's broadcast-multiply gradient, which reduces through a full transpose.
 */
import * as tf from '@tensorflow/tfjs-core';
import { channelSum } from './channel_sum';
import { customOp } from './custom_op';

export function channelScale(x: tf.Tensor4D, m: tf.Tensor1D): tf.Tensor4D {
  return customOp<tf.Tensor4D>([x, m], ([xi, mi], save) => {
    save([xi, mi]);
    return {
      value: tf.mul(xi, mi) as tf.Tensor4D,
      gradFunc: (dy, [xs, ms]) => [() => tf.mul(dy, ms), () => tf.tidy(() => channelSum(tf.mul(dy, xs)))],
    };
  });
}
