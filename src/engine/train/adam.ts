/**
 * Adam (Kingma & Ba) over a fixed list of variables, as Keras' Adam that Neural Cleanse's reference uses
 * (bias-corrected moments, ε 1e-7). tfjs's own AdamOptimizer leaves two tensors behind per instance, and the trigger
 * sweep makes one per label and per scan, hence this small one that frees everything it made.
 * Part of engine/train/, the training toolkit that rnp/ (unlearn, recover, repair) and evidence/ (trigger search,
 * sample scores) both use: kept apart so that evidence/ imports nothing from rnp/ (rnp/ → evidence/ is the one way).
 */
import * as tf from '@tensorflow/tfjs-core';

export class Adam {
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];
  private t = 0;
  constructor(
    private readonly vars: readonly tf.Variable[],
    private readonly lr: number,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly epsilon = 1e-7,
  ) {
    // tf.variable keeps its initial tensor alive; made inside tidy, only the variable survives.
    this.m = vars.map((x) => tf.tidy(() => tf.variable(tf.zerosLike(x), false)));
    this.v = vars.map((x) => tf.tidy(() => tf.variable(tf.zerosLike(x), false)));
  }

  /** One step; `grads` (same order as the variables) are consumed (disposed). */
  step(grads: readonly tf.Tensor[]): void {
    this.t++;
    const c1 = 1 - this.beta1 ** this.t;
    const c2 = 1 - this.beta2 ** this.t;
    tf.tidy(() => {
      this.vars.forEach((x, i) => {
        const g = grads[i];
        this.m[i].assign(tf.add(tf.mul(this.m[i], this.beta1), tf.mul(g, 1 - this.beta1)));
        this.v[i].assign(tf.add(tf.mul(this.v[i], this.beta2), tf.mul(tf.square(g), 1 - this.beta2)));
        const update = tf.div(tf.div(this.m[i], c1), tf.add(tf.sqrt(tf.div(this.v[i], c2)), this.epsilon));
        x.assign(tf.sub(x, tf.mul(update, this.lr)));
      });
    });
    for (const g of grads) g.dispose();
  }

  dispose(): void {
    for (const t of [...this.m, ...this.v]) t.dispose();
  }
}
