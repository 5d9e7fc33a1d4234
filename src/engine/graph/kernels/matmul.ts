/**
 * y = a · b (+ bias) for 2-D a [M,K], b [K,N] with a gradient that never asks matMul for a transposed operand:
 * wasm's BatchMatMul runs XNNPACK only for non-transposed operands, so we transpose explicitly (cheap) instead.
 * The bias is fused into the product (_FusedMatMul).
 */
import * as tf from '@tensorflow/tfjs-core';
import { channelSum } from './channel_sum';
import { customOp, wantsGradient } from './custom_op';

export function matMulNN(a: tf.Tensor2D, b: tf.Tensor2D, bias?: tf.Tensor1D): tf.Tensor2D {
  const inputs = bias ? [a, b, bias] : [a, b];
  const weightGrad = wantsGradient(b);
  return customOp<tf.Tensor2D>(inputs, ([ai, bi, ci], save) => {
    save([ai, bi]);
    return {
      value: (ci ? tf.fused.matMul({ a: ai as tf.Tensor2D, b: bi as tf.Tensor2D, bias: ci }) : tf.matMul(ai as tf.Tensor2D, bi as tf.Tensor2D)) as tf.Tensor2D,
      gradFunc: (dy, saved) => {
        const [as, bs] = saved as [tf.Tensor2D, tf.Tensor2D];
        const da = () => tf.tidy(() => tf.matMul(dy, tf.transpose(bs)));
        const db = () => tf.tidy(() => (weightGrad ? tf.matMul(tf.transpose(as), dy) : tf.zerosLike(bs)));
        return ci ? [da, db, () => channelSum(dy)] : [da, db];
      },
    };
  });
}
