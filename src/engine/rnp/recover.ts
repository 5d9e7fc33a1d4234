/**
 * RNP step 2, recovering: on the unlearned model, learn one mask in [0, 1] per mask-site channel (BN scale, or conv
 * output when BN was folded) by gradient descent on α·CE over the same clean data; only masks train, BatchNorm in
 * training mode, masks clipped to [0, 1] after every step (authors' code; SGD lr 0.2, momentum 0.9, α 0.2).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Dataset } from '../data/dataset';
import type { Program } from '../graph/program';
import type { EpochStat } from '../result';
import { batchIndices, disposeBatch, makeBatch } from '../train/batches';
import { crossEntropy } from '../train/loss';
import { trainStep } from '../train/train-step';
import { checkpoint, type PassContext } from '../train/pass-context';
import { permutation } from '../train/random';
import { Sgd } from '../train/sgd';

export interface RecoverConfig {
  lr: number;
  momentum: number;
  alpha: number;
  batchSize: number;
  epochs: number;
}

export interface RecoverOutput {
  /** Per mask site (program.maskSites order), the final mask values. */
  masks: Float32Array[];
  history: EpochStat[];
}

export async function recover(program: Program, data: Dataset, cfg: RecoverConfig, ctx: PassContext): Promise<RecoverOutput> {
  // Inside tidy, so the initial ones-tensors are released once the variables hold copies.
  const masks = tf.tidy(() => program.maskSites.map((s) => tf.variable(tf.ones([s.channels]), true) as tf.Variable<tf.Rank.R1>));
  const sgd = new Sgd(cfg.lr, cfg.momentum, 0);
  const history: EpochStat[] = [];
  // Only masks train: frozen weights let the compiled gradients skip every weight gradient (~40% of an epoch).
  const weights = [...program.weights.values()];
  const wasTrainable = weights.map((w) => w.trainable);
  weights.forEach((w) => (w.trainable = false));
  try {
    for (let epoch = 0; epoch < cfg.epochs; epoch++) {
      let correct = 0;
      let lossSum = 0;
      for (const idx of batchIndices(permutation(data.count, ctx.rng), cfg.batchSize)) {
        await checkpoint(ctx.signal);
        const b = makeBatch(data, idx);
        const r = await trainStep(program, b, masks, { training: true, masks }, (out) => tf.mul(crossEntropy(out, b.y), cfg.alpha) as tf.Scalar, sgd);
        correct += r.correct;
        lossSum += (r.loss / cfg.alpha) * idx.length;
        tf.tidy(() => masks.forEach((m) => m.assign(tf.clipByValue(m, 0, 1))));
        disposeBatch(b);
      }
      const stat = { epoch: epoch + 1, acc: correct / data.count, loss: lossSum / data.count };
      history.push(stat);
      ctx.onEpoch?.(stat, cfg.epochs);
    }
    const values = (await Promise.all(masks.map((m) => m.data()))) as Float32Array[];
    return { masks: values.map((a) => Float32Array.from(a)), history };
  } finally {
    weights.forEach((w, i) => (w.trainable = wasTrainable[i]));
    sgd.dispose();
    masks.forEach((m) => m.dispose());
  }
}
