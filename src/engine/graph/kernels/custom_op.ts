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

/**
 * Whether a gradient with respect to `t` can be wanted: false only for a frozen (non-trainable) variable. The
 * hand-written gradients skip the (expensive) weight gradient then and return zeros, e.g. while only masks train.
 */
export function wantsGradient(t: tf.Tensor): boolean {
  return !(t instanceof tf.Variable) || t.trainable;
}
