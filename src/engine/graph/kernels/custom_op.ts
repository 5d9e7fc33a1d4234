/** A typed wrapper around tf.customGrad for ops with N tensor inputs (tfjs's own typing is variadic and loose). */
import * as tf from '@tensorflow/tfjs-core';

export interface CustomForward<T extends tf.Tensor> {
  value: T;
  /** Gradients for every input, in input order. */
  gradFunc: (dy: T, saved: tf.Tensor[]) => tf.Tensor[];
}

export function customOp<T extends tf.Tensor>(inputs: tf.Tensor[], forward: (inputs: tf.Tensor[], save: tf.GradSaveFunc) => CustomForward<T>): T {
  const f = tf.customGrad(((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    return forward(args.slice(0, -1) as tf.Tensor[], save);
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(...inputs) as T;
}
