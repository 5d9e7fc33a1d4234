/**
 * Neural Cleanse trigger reverse-engineering (Wang et al., S&P 2019) for one target label: find the smallest mask m
 * (H×W, in [0,1]) and pattern p (C×H×W pixels) such that stamping x' = (1−m)·x + m·p sends clean inputs to the label.
 * Loss CE(f(x'), t) + cost·|m|₁, Adam (lr 0.1, β 0.5/0.9), m and p kept in range by a tanh parametrisation, and the
 * reference's cost schedule: cost starts at 1e-3 and is multiplied (divided) by 2 after `patience` epochs in a row with
 * attack success at or above (below) 99%; the best mask is the smallest one seen at an epoch meeting that success.
 * Only the mask and pattern train: the model runs in eval mode and its weights are never touched.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Dataset } from '../data/dataset';
import type { Program } from '../graph/program';
import { disposeBatch, makeBatch } from '../train/batches';
import { crossEntropy } from '../train/loss';
import { checkpoint } from '../train/pass-context';
import { drawFrom, mulberry32 } from '../train/random';
import { Adam } from '../train/adam';
import { type PixelSpace, stamp, toModelInput, toPixels } from './pixel-space';

export interface NcConfig {
  /** Epochs of `stepsPerEpoch` mini-batches; the cost schedule and the best-mask choice run once per epoch. */
  epochs: number;
  stepsPerEpoch: number;
  batchSize: number;
  lr: number;
  initCost: number;
  /** The cost is multiplied or divided by this. */
  costMultiplier: number;
  /** Epochs in a row above/below the success target before the cost moves. */
  patience: number;
  /** Stop once both cost moves have happened and the best norm has not improved by 1% for this many epochs. */
  earlyStopPatience: number;
  /** Attack success a mask must reach to count (0.99 in the reference). */
  attackSuccess: number;
  /**
   * A stamped sample counts as a success only if the model gives the label at least this probability (0 = argmax
   * alone, as the reference). On an unlearned model that already predicts the target for most clean inputs, argmax
   * success is free and the mask shrinks to nothing; asking for confidence makes the search find what still drives
   * the target with certainty there: the backdoor.
   */
  minConfidence: number;
  /** Initial mask value everywhere (the pattern starts mid-range). */
  maskInit: number;
  seed: number;
}

/**
 * Small by default: 120 steps of 16 samples per label, about 3 s of CPU per label for the Fashion-MNIST CNN on wasm
 * (a 10-label sweep ≈ 30 s). The reference runs far longer (thousands of steps); what the scan needs is the ranking
 * of norms and a picture, which settle much earlier. Measured on the BadNets fixture: 60 steps of 32 leave every norm
 * 3-5× too large and the target barely flagged; 120 steps of 16 or 32 flag it clearly.
 */
export const NC_DEFAULTS: NcConfig = {
  epochs: 40,
  stepsPerEpoch: 3,
  batchSize: 16,
  lr: 0.1,
  initCost: 1e-3,
  costMultiplier: 2,
  patience: 5,
  earlyStopPatience: 10,
  attackSuccess: 0.99,
  minConfidence: 0,
  maskInit: 0.5,
  seed: 98,
};

export interface NcResult {
  label: number;
  /** H×W, in [0, 1]. */
  mask: Float32Array;
  /** H×W×C (HWC), in pixels. */
  pattern: Float32Array;
  /** L1 norm of the mask (sum over H×W). */
  maskL1: number;
  /** Attack success on the optimisation batches in the epoch the mask comes from. */
  attackSuccess: number;
  /** Whether any epoch reached `attackSuccess`; if not, the last mask is reported. */
  reached: boolean;
  epochsRun: number;
}

/** Indices of the samples whose label is not `label` (stamping a sample already of the target proves nothing). */
export function indicesNotOf(data: Dataset, label: number): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < data.count; i++) if (data.y[i] !== label) out.push(i);
  return Int32Array.from(out);
}

export async function reverseEngineerTrigger(
  program: Program,
  data: Dataset,
  space: PixelSpace,
  label: number,
  cfg: NcConfig,
  signal?: AbortSignal,
  /** Start from this mask and pattern (pixel values) instead of a uniform mask and a mid-range pattern. */
  init?: { mask: Float32Array; pattern: Float32Array },
): Promise<NcResult> {
  const [c, h, w] = data.shape;
  const pool = indicesNotOf(data, label);
  if (pool.length === 0) throw new Error(`no defense samples outside label ${label} to search a trigger on`);
  const rng = mulberry32(cfg.seed * 1009 + label);
  // tanh parametrisation: m = (tanh(a)+1)/2 ∈ (0,1); p = lo + (hi−lo)·(tanh(b)+1)/2, starting mid-range.
  const atanhOf = (v: number) => Math.atanh(2 * Math.min(0.99, Math.max(0.01, v)) - 1);
  const maskParam = tf.tidy(() =>
    tf.variable(init ? tf.tensor4d(init.mask.map(atanhOf), [1, h, w, 1]) : tf.fill([1, h, w, 1], atanhOf(cfg.maskInit)), true),
  );
  const patternParam = tf.tidy(() =>
    tf.variable(
      init ? tf.tensor4d(init.pattern.map((v, k) => atanhOf((v - space.lo[k % c]) / (space.hi[k % c] - space.lo[k % c]))), [1, h, w, c]) : tf.zeros([1, h, w, c]),
      true,
    ),
  );
  const lo = tf.tensor1d(space.lo);
  const span = tf.tensor1d(Array.from(space.hi, (v, i) => v - space.lo[i]));
  const maskOf = () => tf.div(tf.add(tf.tanh(maskParam), 1), 2);
  const patternOf = () => tf.add(lo, tf.mul(span, tf.div(tf.add(tf.tanh(patternParam), 1), 2)));
  const optimizer = new Adam([maskParam, patternParam], cfg.lr, 0.5, 0.9);
  let cost = cfg.initCost;
  let upCount = 0;
  let downCount = 0;
  let movedUp = false;
  let movedDown = false;
  let bestL1 = Infinity;
  let bestSuccess = 0;
  let best: { mask: Float32Array; pattern: Float32Array } | null = null;
  let earlyBest = Infinity;
  let earlyCount = 0;
  let epochsRun = 0;
  let lastSuccess = 0;
  const target = tf.fill([cfg.batchSize], label, 'int32') as tf.Tensor1D;
  try {
    for (let epoch = 0; epoch < cfg.epochs; epoch++) {
      let hits = 0;
      let seen = 0;
      let l1Sum = 0;
      for (let s = 0; s < cfg.stepsPerEpoch; s++) {
        await checkpoint(signal);
        const idx = drawFrom(pool, cfg.batchSize, rng);
        const b = makeBatch(data, idx);
        const xPix = toPixels(b.x, space);
        let pred: tf.Tensor | undefined;
        let l1: tf.Scalar | undefined;
        const costNow = cost;
        const { value, grads } = tf.variableGrads(() => {
          const m = maskOf();
          const logits = program.forward(toModelInput(stamp(xPix, m, patternOf()), space), { training: false });
          pred = tf.keep(hitsOf(logits, label, cfg.minConfidence));
          l1 = tf.keep(tf.sum(m)) as tf.Scalar;
          return tf.add(crossEntropy(logits, target), tf.mul(l1, costNow)) as tf.Scalar;
        }, [maskParam, patternParam]);
        value.dispose();
        optimizer.step([grads[maskParam.name], grads[patternParam.name]]);
        const p = pred!.dataSync();
        for (let k = 0; k < p.length; k++) hits += p[k];
        seen += p.length;
        l1Sum += l1!.dataSync()[0];
        pred!.dispose();
        l1!.dispose();
        xPix.dispose();
        disposeBatch(b);
      }
      epochsRun = epoch + 1;
      const success = hits / seen;
      const l1Mean = l1Sum / cfg.stepsPerEpoch;
      lastSuccess = success;
      if (success >= cfg.attackSuccess && l1Mean < bestL1) {
        bestL1 = l1Mean;
        bestSuccess = success;
        best = snapshot(maskOf, patternOf);
      }
      // Early stop (reference): both cost moves seen, and the best norm stalled.
      if (bestL1 < Infinity) earlyCount = bestL1 >= 0.99 * earlyBest ? earlyCount + 1 : 0;
      earlyBest = Math.min(earlyBest, bestL1);
      if (movedUp && movedDown && earlyCount >= cfg.earlyStopPatience) break;
      if (success >= cfg.attackSuccess) {
        upCount++;
        downCount = 0;
      } else {
        upCount = 0;
        downCount++;
      }
      if (upCount >= cfg.patience) {
        upCount = 0;
        cost *= cfg.costMultiplier;
        movedUp = true;
      } else if (downCount >= cfg.patience) {
        downCount = 0;
        cost /= cfg.costMultiplier;
        movedDown = true;
      }
    }
    const reached = best !== null;
    const chosen = best ?? snapshot(maskOf, patternOf);
    return {
      label,
      mask: chosen.mask,
      pattern: chosen.pattern,
      maskL1: chosen.mask.reduce((a, v) => a + v, 0),
      attackSuccess: reached ? bestSuccess : lastSuccess,
      reached,
      epochsRun,
    };
  } finally {
    target.dispose();
    optimizer.dispose();
    maskParam.dispose();
    patternParam.dispose();
    lo.dispose();
    span.dispose();
  }
}

/** Per row 1 when the prediction is `label` with probability >= minConfidence, else 0. */
function hitsOf(logits: tf.Tensor2D, label: number, minConfidence: number): tf.Tensor1D {
  return tf.tidy(() => {
    const isLabel = tf.equal(tf.argMax(logits, 1), label);
    if (minConfidence <= 0) return tf.cast(isLabel, 'int32') as tf.Tensor1D;
    const p = tf.squeeze(tf.slice(tf.softmax(logits), [0, label], [-1, 1]), [1]);
    return tf.cast(tf.logicalAnd(isLabel, tf.greaterEqual(p, minConfidence)), 'int32') as tf.Tensor1D;
  });
}

function snapshot(maskOf: () => tf.Tensor, patternOf: () => tf.Tensor): { mask: Float32Array; pattern: Float32Array } {
  const [m, p] = tf.tidy(() => [maskOf(), patternOf()]);
  const out = { mask: Float32Array.from(m.dataSync()), pattern: Float32Array.from(p.dataSync()) };
  m.dispose();
  p.dispose();
  return out;
}

/** Share of `data` samples not of `label` that the stamped trigger sends to `label` on `program` (eval mode). */
export function triggerSuccess(
  program: Program,
  data: Dataset,
  space: PixelSpace,
  label: number,
  mask: Float32Array,
  pattern: Float32Array,
  batchSize = 250,
): number {
  const [c, h, w] = data.shape;
  const pool = indicesNotOf(data, label);
  if (pool.length === 0) return 0;
  const m = tf.tensor4d(mask, [1, h, w, 1]);
  const p = tf.tensor4d(pattern, [1, h, w, c]);
  let hits = 0;
  try {
    for (let i = 0; i < pool.length; i += batchSize) {
      const b = makeBatch(data, pool.subarray(i, Math.min(pool.length, i + batchSize)));
      const pred = tf.tidy(() => tf.argMax(program.forward(toModelInput(stamp(toPixels(b.x, space), m, p), space), { training: false }), 1));
      const v = pred.dataSync();
      for (let k = 0; k < v.length; k++) if (v[k] === label) hits++;
      pred.dispose();
      disposeBatch(b);
    }
  } finally {
    m.dispose();
    p.dispose();
  }
  return hits / pool.length;
}
