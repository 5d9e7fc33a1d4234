/**
 * Copies of a program's weights and BN statistics, kept on the backend, to undo steps (adaptive unlearning backs off
 * a collapse) or to switch between the original and the unlearned model (evidence passes).
 * Part of engine/train/, the training toolkit that rnp/ (unlearn, recover, repair) and evidence/ (trigger search,
 * sample scores) both use: kept apart so that evidence/ imports nothing from rnp/ (rnp/ → evidence/ is the one way).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Program } from '../graph/program';

export class Snapshot {
  private readonly copies = new Map<tf.Variable, tf.Tensor>();
  constructor(program: Program) {
    for (const v of [...program.weights.values(), ...program.stats.values()]) this.copies.set(v, tf.keep(v.clone()));
  }

  restore(): void {
    for (const [v, t] of this.copies) v.assign(t);
  }

  dispose(): void {
    for (const t of this.copies.values()) t.dispose();
    this.copies.clear();
  }
}
