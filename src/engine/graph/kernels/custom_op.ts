/**
 * A typed custom-gradient op with N tensor inputs whose per-input gradients may be lazy.
 * Why not tf.customGrad: it computes every input's gradient as soon as the op is reached in the backward pass,
 * even for inputs nobody differentiates (the network input of the first conv, frozen weights while only masks
 * train). The tape only asks for the gradients of inputs that depend on the differentiated variables, so a
 * gradient given as a thunk is computed only when asked for.
 * Tensors saved for the backward pass are kept as reshaped views sharing the original's buffer: tfjs saves a
 * clone, and wasm's clone (Identity) copies, so every saved activation used to be a second copy of it.
 * Built on the engine's runKernelFunc, exactly as tf.customGrad itself is (tfjs-core 4.x); the views are put on the
 * op's tape node as its saved tensors, so the engine (or backprop.ts) disposes them with the tape.
 */
import * as tf from '@tensorflow/tfjs-core';

/** A gradient: computed now, or a thunk run only if the tape asks for that input's gradient. */
export type Gradient = tf.Tensor | (() => tf.Tensor);

export interface CustomForward<T extends tf.Tensor> {
  value: T;
  /** Gradients for every input, in input order. */
  gradFunc: (dy: T, saved: tf.Tensor[]) => Gradient[];
}

interface KernelFuncEngine {
  isTapeOn(): boolean;
  state: { activeTape: { saved?: tf.Tensor[] }[] | null };
  runKernelFunc(params: {
    forwardFunc: (backend: unknown, save: tf.GradSaveFunc) => tf.Tensor;
    backwardsFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => Record<string, () => tf.Tensor>;
    inputs: Record<string, tf.Tensor>;
  }): tf.Tensor;
}

export function customOp<T extends tf.Tensor>(inputs: tf.Tensor[], forward: (inputs: tf.Tensor[], save: tf.GradSaveFunc) => CustomForward<T>): T {
  let gradFunc: CustomForward<T>['gradFunc'] | undefined;
  const inputMap: Record<string, tf.Tensor> = {};
  inputs.forEach((t, i) => (inputMap[i] = t));
  const engine = tf.engine() as unknown as KernelFuncEngine;
  // Only while a gradient tape records is anything saved (as tfjs does); otherwise nothing would dispose it.
  const recording = engine.isTapeOn();
  let kept: tf.Tensor[] = [];
  const save: tf.GradSaveFunc = (tensors) => {
    if (recording) kept = tensors.map((t) => tf.keep(tf.reshape(t, t.shape)));
  };
  const out = engine.runKernelFunc({
    forwardFunc: () => {
      const res = forward(inputs, save);
      gradFunc = res.gradFunc;
      return res.value;
    },
    backwardsFunc: (dy) => {
      const grads = gradFunc!(dy as T, kept);
      if (grads.length !== inputs.length) throw new Error(`custom op returned ${grads.length} gradients for ${inputs.length} inputs`);
      const map: Record<string, () => tf.Tensor> = {};
      grads.forEach((g, i) => (map[i] = typeof g === 'function' ? g : () => g));
      return map;
    },
    inputs: inputMap,
  }) as T;
  if (recording) {
    const tape = engine.state.activeTape!;
    tape[tape.length - 1].saved = kept; // runKernelFunc pushed this op's node last
  }
  return out;
}

/**
 * Whether a gradient with respect to `t` can be wanted: false only for a frozen (non-trainable) variable. The
 * hand-written gradients skip the (expensive) weight gradient then and return zeros, e.g. while only masks train.
 */
export function wantsGradient(t: tf.Tensor): boolean {
  return !(t instanceof tf.Variable) || t.trainable;
}
