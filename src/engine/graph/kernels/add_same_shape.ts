/**
 * a + b for two tensors of the same shape (a residual connection) that keeps nothing for the backward pass:
 * tfjs's Add keeps both inputs (it needs their shapes to undo broadcasting), which held an extra activation-sized
 * tensor per residual block through the backward pass. The gradient is dy for both inputs.
 */
import * as tf from '@tensorflow/tfjs-core';
import { customOp } from './custom_op';

export function addSameShape<T extends tf.Tensor>(a: T, b: T): T {
  if (!tf.util.arraysEqual(a.shape, b.shape)) throw new Error(`addSameShape: shapes [${a.shape}] and [${b.shape}] differ`);
  return customOp<T>([a, b], ([ai, bi]) => ({
    value: tf.add(ai, bi) as T,
    // Two thunks returning clones: each input's gradient is its own tensor (the tape frees them separately).
    gradFunc: (dy) => [() => dy.clone(), () => dy.clone()],
  }));
}
