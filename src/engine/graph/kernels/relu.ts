/**
 * ReLU that keeps its *output* for the backward pass (tfjs's Relu keeps its input). The output is the next
 * layer's input, which that layer keeps anyway, so the two share one buffer: one activation-sized tensor less per
 * conv-BN-ReLU held through the backward pass. The gradient is the same: dy where y > 0 (y > 0 exactly where x > 0).
 */
import * as tf from '@tensorflow/tfjs-core';
import { customOp } from './custom_op';
import { simdRelu, simdReluGrad } from './wasm/simd-kernels';

export function reluKeepingOutput<T extends tf.Tensor>(x: T): T {
  return customOp<T>([x], ([xi], save) => {
    const y = simdRelu(xi as T) ?? (tf.relu(xi) as T);
    save([y]);
    return { value: y, gradFunc: (dy, [ys]) => [() => simdReluGrad(dy, ys) ?? tf.tidy(() => tf.mul(dy, tf.step(ys)))] };
  });
}
