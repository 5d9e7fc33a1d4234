/**
 * RNP step 1, unlearning: gradient *ascent* of the cross-entropy on all weights over the clean defense data, BatchNorm
 * in training mode, until training accuracy falls to the clean threshold. Paper mode follows the authors' code (and
 * ../shared/peer/rnp_torch.py) exactly: SGD(lr, momentum 0.9, wd 5e-4), MultiStepLR [10, 20] ×0.1, batch 128,
 * reshuffled every epoch, accuracy checked once per epoch.
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

export interface UnlearnConfig {
  lr: number;
  momentum: number;
  weightDecay: number;
  batchSize: number;
  maxEpochs: number;
  /** Stop once an epoch's training accuracy is <= this. */
  cleanThreshold: number;
  /** Run every epoch regardless of accuracy (timing runs, peer comparisons). */
  fixedEpochs?: boolean;
  milestones?: number[];
}

/** PyTorch MultiStepLR: lr × 0.1 per milestone passed. */
export function stepLr(base: number, epoch: number, milestones: readonly number[]): number {
  return base * Math.pow(0.1, milestones.filter((m) => epoch >= m).length);
}

export async function unlearn(program: Program, data: Dataset, cfg: UnlearnConfig, ctx: PassContext): Promise<EpochStat[]> {
  const vars = [...program.weights.values()];
  const sgd = new Sgd(cfg.lr, cfg.momentum, cfg.weightDecay);
  const history: EpochStat[] = [];
  try {
    for (let epoch = 0; epoch < cfg.maxEpochs; epoch++) {
      sgd.lr = stepLr(cfg.lr, epoch, cfg.milestones ?? [10, 20]);
      let correct = 0;
      let lossSum = 0;
      for (const idx of batchIndices(permutation(data.count, ctx.rng), cfg.batchSize)) {
        await checkpoint(ctx.signal);
        const b = makeBatch(data, idx);
        const r = await trainStep(program, b, vars, { training: true, updateStats: true }, (out) => tf.neg(crossEntropy(out, b.y)), sgd);
        correct += r.correct;
        lossSum += -r.loss * idx.length;
        disposeBatch(b);
      }
      const stat = { epoch: epoch + 1, acc: correct / data.count, loss: lossSum / data.count };
      history.push(stat);
      ctx.onEpoch?.(stat, cfg.maxEpochs);
      if (!cfg.fixedEpochs && stat.acc <= cfg.cleanThreshold) break;
    }
  } finally {
    sgd.dispose();
  }
  return history;
}
