/**
 * The repair's moving target: a recovered trigger's pattern re-fitted, inside its fixed mask, to the model as the
 * repair changes it. Why: fine-tuning teaches the model to ignore the triggers it is shown, but the backdoor's
 * remains can come back through a nearby pattern that was never stamped (measured with fixed triggers, per repair
 * epoch on the test set: Blend's real-trigger ASR 2 % → 6–11 % while the recovered triggers stayed at 2–3 % on the
 * hold-out). A few signed-gradient steps before every epoch find what now drives the label, so the stamped half
 * of the next epoch unlearns that instead (the adversarial-unlearning idea of I-BAU, on a Neural Cleanse trigger).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Dataset } from '../data/dataset';
import type { Program } from '../graph/program';
import { indicesNotOf } from '../evidence/neural-cleanse';
import { type PixelSpace, stamp, toModelInput, toPixels } from '../evidence/pixel-space';
import { disposeBatch, makeBatch } from '../train/batches';
import { crossEntropy } from '../train/loss';
import { drawFrom } from '../train/random';

/** A trigger as the repair stamps it: NHWC mask [1,H,W,1] and pattern [1,H,W,C] in pixels. */
export interface StampTensors {
  mask: tf.Tensor4D;
  pattern: tf.Tensor4D;
  space: PixelSpace;
  label: number;
}

/** Samples per adaptation step, drawn from the samples not of the trigger's label. */
const ADAPT_BATCH = 32;

/**
 * Moves `t.pattern` (replaced, the old tensor disposed) by `steps` signed-gradient steps of `stepSize` pixels that
 * lower the model's cross-entropy towards `t.label` on stamped samples (eval mode, `masks` applied), kept in the
 * pixel range. The mask stays: the trigger may change what it draws, not where.
 */
export function adaptPattern(program: Program, data: Dataset, t: StampTensors, masks: readonly tf.Tensor1D[], steps: number, stepSize: number, rng: () => number): void {
  const pool = indicesNotOf(data, t.label);
  if (pool.length === 0) return;
  const lo = tf.tensor1d(t.space.lo);
  const hi = tf.tensor1d(t.space.hi);
  try {
    for (let s = 0; s < steps; s++) {
      const idx = drawFrom(pool, Math.min(ADAPT_BATCH, pool.length), rng);
      const b = makeBatch(data, idx);
      const next = tf.tidy(() => {
        const target = tf.fill([idx.length], t.label, 'int32') as tf.Tensor1D;
        const xPix = toPixels(b.x, t.space);
        const loss = (p: tf.Tensor) => crossEntropy(program.forward(toModelInput(stamp(xPix, t.mask, p), t.space), { training: false, masks }), target);
        const g = tf.grad(loss)(t.pattern);
        return tf.minimum(tf.maximum(tf.sub(t.pattern, tf.mul(tf.sign(g), stepSize)), lo), hi) as tf.Tensor4D;
      });
      disposeBatch(b);
      t.pattern.dispose();
      t.pattern = next;
    }
  } finally {
    lo.dispose();
    hi.dispose();
  }
}
