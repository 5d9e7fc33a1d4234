/**
 * y = a · b for 2-D a [M,K], b [K,N] with a gradient that never asks matMul for a transposed operand:
 * wasm's BatchMatMul runs XNNPACK only for non-transposed operands, so we transpose explicitly (cheap) instead.
 */
import * as tf from '@tensorflow/tfjs-core';
import { customOp } from './custom_op';

export function matMulNN(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return customOp<tf.Tensor2D>([a, b], ([ai, bi], save) => {
    save([ai, bi]);
    return {
      value: tf.matMul(ai as tf.Tensor2D, bi as tf.Tensor2D),
      gradFunc: (dy, saved) => {
        const [as, bs] = saved as [tf.Tensor2D, tf.Tensor2D];
        const d = dy as tf.Tensor2D;
        return [tf.matMul(d, tf.transpose(bs)), tf.matMul(tf.transpose(as), d)];
      },
    };
  });
}
