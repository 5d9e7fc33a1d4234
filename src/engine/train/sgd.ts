/**
 * SGD with momentum and weight decay, with exactly torch.optim.SGD's semantics (dampening 0, no Nesterov):
 *   d = g + wd·p;  buf = d (first step) or momentum·buf + d;  p ← p − lr·buf.
 * tfjs's MomentumOptimizer has no weight decay, hence this small one; it also keeps its buffers between calls.
 * Part of engine/train/, the training toolkit that rnp/ (unlearn, recover, repair) and evidence/ (trigger search,
 * sample scores) both use: kept apart so that evidence/ imports nothing from rnp/ (rnp/ → evidence/ is the one way).
 */
import * as tf from '@tensorflow/tfjs-core';

export class Sgd {
  private readonly buffers = new Map<tf.Variable, tf.Variable>();
  constructor(
    public lr: number,
    private readonly momentum: number,
    private readonly weightDecay: number,
  ) {}

  /** Applies one step; `grads` are consumed (disposed). */
  step(vars: readonly tf.Variable[], grads: readonly tf.Tensor[]): void {
    tf.tidy(() => {
      vars.forEach((v, i) => {
        let d: tf.Tensor = grads[i];
        if (this.weightDecay !== 0) d = tf.add(d, tf.mul(v, this.weightDecay));
        let buf = this.buffers.get(v);
        if (this.momentum !== 0) {
          if (!buf) {
            buf = tf.variable(d, false);
            this.buffers.set(v, buf);
          } else {
            buf.assign(tf.add(tf.mul(buf, this.momentum), d));
          }
          d = buf;
        }
        v.assign(tf.sub(v, tf.mul(d, this.lr)));
      });
    });
    for (const g of grads) g.dispose();
  }

  dispose(): void {
    for (const b of this.buffers.values()) b.dispose();
    this.buffers.clear();
  }
}
