/**
 * Adaptive unlearning (the default mode). The paper's schedule, checked once per epoch, overshoots on small models:
 * they cross the 0.2 accuracy threshold by collapsing to one predicted class, after which recovery leaves most masks
 * low and pruning destroys clean accuracy. Here: clip the gradient norm, check clean accuracy on a fixed monitor set
 * after every step, and stop at the first step that reaches the threshold; a step that reaches it by collapsing
 * (one class takes most predictions) is undone and retried with half the learning rate.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Dataset } from '../data/dataset';
import { leanVariableGrads } from '../graph/backprop';
import type { Program } from '../graph/program';
import type { EpochStat } from '../result';
import { batchIndices, disposeBatch, makeBatch, type Batch } from '../train/batches';
import { crossEntropy } from '../train/loss';
import { checkpoint, type PassContext } from '../train/pass-context';
import { permutation } from '../train/random';
import { Sgd } from '../train/sgd';
import { Snapshot } from '../train/snapshot';
import type { UnlearnConfig } from './unlearn';

export interface AdaptiveUnlearnConfig extends Omit<UnlearnConfig, 'fixedEpochs' | 'milestones'> {
  /** Global L2 norm the gradient is clipped to. */
  maxGradNorm: number;
  /** A step whose monitor predictions put more than this share on one class counts as a collapse. */
  collapseShare: number;
  /** How many times a collapsing step may be retried with half the learning rate. */
  maxBackoffs: number;
  /** Samples in the monitor set (taken from the defense data). */
  monitorSize: number;
}

export interface AdaptiveUnlearnOutput {
  history: EpochStat[];
  steps: number;
  backoffs: number;
  finalLr: number;
  /** Monitor accuracy and largest class share when it stopped. */
  monitorAcc: number;
  monitorTopShare: number;
}

async function monitor(program: Program, b: Batch, numClasses: number): Promise<{ acc: number; topShare: number }> {
  const pred = tf.tidy(() => tf.argMax(program.forward(b.x, { training: true }), 1));
  const p = await pred.data();
  pred.dispose();
  const counts = new Array<number>(numClasses).fill(0);
  let correct = 0;
  for (let i = 0; i < p.length; i++) {
    counts[p[i]]++;
    if (p[i] === b.labels[i]) correct++;
  }
  return { acc: correct / p.length, topShare: Math.max(...counts) / p.length };
}

export async function unlearnAdaptive(program: Program, data: Dataset, cfg: AdaptiveUnlearnConfig, ctx: PassContext): Promise<AdaptiveUnlearnOutput> {
  const vars = [...program.weights.values()];
  const sgd = new Sgd(cfg.lr, cfg.momentum, cfg.weightDecay);
  const mon = makeBatch(data, permutation(data.count, ctx.rng).subarray(0, Math.min(cfg.monitorSize, data.count)));
  const history: EpochStat[] = [];
  let steps = 0;
  let backoffs = 0;
  let last = { acc: 1, topShare: 0 };
  try {
    outer: for (let epoch = 0; epoch < cfg.maxEpochs; epoch++) {
      let lossSum = 0;
      let seen = 0;
      for (const idx of batchIndices(permutation(data.count, ctx.rng), cfg.batchSize)) {
        await checkpoint(ctx.signal);
        const b = makeBatch(data, idx);
        const before = new Snapshot(program);
        try {
          const { value, grads } = leanVariableGrads(() => tf.neg(crossEntropy(program.forward(b.x, { training: true, updateStats: true }), b.y)), vars);
          const list = vars.map((v) => grads[v.name]);
          const normT = tf.tidy(() => tf.sqrt(tf.addN(list.map((g) => tf.sum(tf.square(g))))));
          const [lossData, normData] = await Promise.all([value.data(), normT.data()]);
          lossSum += -lossData[0]! * idx.length;
          seen += idx.length;
          value.dispose();
          normT.dispose();
          const norm = normData[0]!;
          const scale = norm > cfg.maxGradNorm ? cfg.maxGradNorm / norm : 1;
          const clipped = tf.tidy(() => list.map((g) => tf.keep(tf.mul(g, scale))));
          list.forEach((g) => g.dispose());
          sgd.step(vars, clipped);
          steps++;
          const m = await monitor(program, mon, program.numClasses);
          if (m.acc <= cfg.cleanThreshold) {
            if (m.topShare > cfg.collapseShare && backoffs < cfg.maxBackoffs) {
              // Overshot into a one-class collapse: undo the step and approach more slowly.
              before.restore();
              backoffs++;
              sgd.lr /= 2;
              sgd.dispose(); // the momentum of the undone step would push straight back into the collapse
              last = m;
              continue;
            }
            last = m;
            history.push({ epoch: epoch + 1, acc: m.acc, loss: seen ? lossSum / seen : 0 });
            ctx.onEpoch?.(history[history.length - 1], cfg.maxEpochs);
            break outer;
          }
          last = m;
        } finally {
          before.dispose();
          disposeBatch(b);
        }
      }
      const stat = { epoch: epoch + 1, acc: last.acc, loss: seen ? lossSum / seen : 0 };
      history.push(stat);
      ctx.onEpoch?.(stat, cfg.maxEpochs);
    }
  } finally {
    sgd.dispose();
    disposeBatch(mon);
  }
  return { history, steps, backoffs, finalLr: sgd.lr, monitorAcc: last.acc, monitorTopShare: last.topShare };
}
