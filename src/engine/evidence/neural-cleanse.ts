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
 * Small by default: 120 steps of 16 samples per label; the demo's 10-label sweep takes about 5 s on 2 wasm threads
 * with the labels batched (9 s one at a time; docs/benchmarks.md). The reference runs far longer (thousands of steps); what the scan needs is the ranking
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

/** Samples per forward pass of a batched search: labels are searched in groups of at most this many samples a step. */
export const MAX_SEARCH_BATCH = 256;

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
  const [r] = await reverseEngineerTriggers(program, data, space, [label], cfg, { signal, inits: init ? [init] : undefined });
  return r!;
}

export interface SearchHooks {
  signal?: AbortSignal;
  /** One start per label (same order), instead of a uniform mask and a mid-range pattern. */
  inits?: readonly { mask: Float32Array; pattern: Float32Array }[];
  /** Samples per step at most (default MAX_SEARCH_BATCH): labels are searched in groups that fit. */
  maxBatch?: number;
  /** After every epoch: epochs run so far over all groups, of groups × epochs, and the group's labels. */
  onEpoch?: (step: number, total: number, labels: readonly number[]) => void;
}

/**
 * The searches of several labels as one optimisation (issue #21: "all labels' trigger searches as one batched
 * optimisation"): one mask and pattern per label, each step one forward pass over every still-searching label's own
 * mini-batch, stamped with its own trigger. The model runs in eval mode, so samples do not interact; the loss is the
 * sum of the per-label losses, so each label's gradient, Adam moments (elementwise, the same step count while it
 * runs), random draws (its own generator) and cost schedule are exactly those of searching it alone. A label that
 * stops early leaves the batch. Groups of at most MAX_SEARCH_BATCH samples a step bound the memory.
 */
export async function reverseEngineerTriggers(
  program: Program,
  data: Dataset,
  space: PixelSpace,
  labels: readonly number[],
  cfg: NcConfig,
  hooks: SearchHooks = {},
): Promise<NcResult[]> {
  const perGroup = Math.max(1, Math.floor((hooks.maxBatch ?? MAX_SEARCH_BATCH) / cfg.batchSize));
  const out: NcResult[] = [];
  for (let g = 0; g < labels.length; g += perGroup) {
    const group = labels.slice(g, g + perGroup);
    const inits = hooks.inits?.slice(g, g + perGroup);
    const before = (g / perGroup) * cfg.epochs;
    const total = Math.ceil(labels.length / perGroup) * cfg.epochs;
    out.push(...(await searchGroup(program, data, space, group, cfg, hooks.signal, inits, (epoch) => hooks.onEpoch?.(before + epoch, total, group))));
  }
  return out;
}

/** One label's cost schedule and best mask (the reference's rules), fed once per epoch. */
class LabelSearch {
  cost: number;
  private upCount = 0;
  private downCount = 0;
  private movedUp = false;
  private movedDown = false;
  bestL1 = Infinity;
  bestSuccess = 0;
  best: { mask: Float32Array; pattern: Float32Array } | null = null;
  private earlyBest = Infinity;
  private earlyCount = 0;
  epochsRun = 0;
  lastSuccess = 0;
  done = false;
  readonly rng: () => number;
  hits = 0;
  seen = 0;
  l1Sum = 0;

  constructor(
    readonly label: number,
    readonly pool: Int32Array,
    private readonly cfg: NcConfig,
  ) {
    this.cost = cfg.initCost;
    this.rng = mulberry32(cfg.seed * 1009 + label);
  }

  /** Closes an epoch; `snap` reads this label's current mask and pattern (called only when it is the new best). */
  /** Whether this epoch's end keeps the trigger as the best so far (so its mask and pattern must be read back). */
  keepsThisEpoch(): boolean {
    return this.hits / this.seen >= this.cfg.attackSuccess && this.l1Sum / this.cfg.stepsPerEpoch < this.bestL1;
  }

  endEpoch(epoch: number, snap: () => { mask: Float32Array; pattern: Float32Array }): void {
    const cfg = this.cfg;
    this.epochsRun = epoch + 1;
    const success = this.hits / this.seen;
    const l1Mean = this.l1Sum / cfg.stepsPerEpoch;
    const keep = this.keepsThisEpoch();
    this.hits = this.seen = this.l1Sum = 0;
    this.lastSuccess = success;
    if (keep) {
      this.bestL1 = l1Mean;
      this.bestSuccess = success;
      this.best = snap();
    }
    // Early stop (reference): both cost moves seen, and the best norm stalled.
    if (this.bestL1 < Infinity) this.earlyCount = this.bestL1 >= 0.99 * this.earlyBest ? this.earlyCount + 1 : 0;
    this.earlyBest = Math.min(this.earlyBest, this.bestL1);
    if (this.movedUp && this.movedDown && this.earlyCount >= cfg.earlyStopPatience) {
      this.done = true;
      return;
    }
    if (success >= cfg.attackSuccess) {
      this.upCount++;
      this.downCount = 0;
    } else {
      this.upCount = 0;
      this.downCount++;
    }
    if (this.upCount >= cfg.patience) {
      this.upCount = 0;
      this.cost *= cfg.costMultiplier;
      this.movedUp = true;
    } else if (this.downCount >= cfg.patience) {
      this.downCount = 0;
      this.cost /= cfg.costMultiplier;
      this.movedDown = true;
    }
  }

  result(last: { mask: Float32Array; pattern: Float32Array }): NcResult {
    const reached = this.best !== null;
    const chosen = this.best ?? last;
    return {
      label: this.label,
      mask: chosen.mask,
      pattern: chosen.pattern,
      maskL1: chosen.mask.reduce((a, v) => a + v, 0),
      attackSuccess: reached ? this.bestSuccess : this.lastSuccess,
      reached,
      epochsRun: this.epochsRun,
    };
  }
}

async function searchGroup(
  program: Program,
  data: Dataset,
  space: PixelSpace,
  labels: readonly number[],
  cfg: NcConfig,
  signal: AbortSignal | undefined,
  inits: readonly { mask: Float32Array; pattern: Float32Array }[] | undefined,
  onEpoch: (epoch: number) => void,
): Promise<NcResult[]> {
  const [c, h, w] = data.shape;
  const K = labels.length;
  const searches = labels.map((label) => {
    const pool = indicesNotOf(data, label);
    if (pool.length === 0) throw new Error(`no defense samples outside label ${label} to search a trigger on`);
    return new LabelSearch(label, pool, cfg);
  });
  // tanh parametrisation: m = (tanh(a)+1)/2 ∈ (0,1); p = lo + (hi−lo)·(tanh(b)+1)/2, starting mid-range.
  const atanhOf = (v: number) => Math.atanh(2 * Math.min(0.99, Math.max(0.01, v)) - 1);
  const maskStart = new Float32Array(K * h * w);
  const patternStart = new Float32Array(K * h * w * c);
  for (let k = 0; k < K; k++) {
    const init = inits?.[k];
    if (init) {
      maskStart.set(init.mask.map(atanhOf), k * h * w);
      patternStart.set(init.pattern.map((v, i) => atanhOf((v - space.lo[i % c]) / (space.hi[i % c] - space.lo[i % c]))), k * h * w * c);
    } else maskStart.fill(atanhOf(cfg.maskInit), k * h * w, (k + 1) * h * w);
  }
  const maskParam = tf.tidy(() => tf.variable(tf.tensor4d(maskStart, [K, h, w, 1]), true));
  const patternParam = tf.tidy(() => tf.variable(tf.tensor4d(patternStart, [K, h, w, c]), true));
  const lo = tf.tensor1d(space.lo);
  const span = tf.tensor1d(Array.from(space.hi, (v, i) => v - space.lo[i]));
  const maskOf = () => tf.div(tf.add(tf.tanh(maskParam), 1), 2);
  const patternOf = () => tf.add(lo, tf.mul(span, tf.div(tf.add(tf.tanh(patternParam), 1), 2)));
  const optimizer = new Adam([maskParam, patternParam], cfg.lr, 0.5, 0.9);
  const bs = cfg.batchSize;
  /** Label k's mask and pattern now, as arrays. */
  const snapAll = async () => {
    const [m, p] = tf.tidy(() => [maskOf(), patternOf()]);
    const [mv, pv] = (await Promise.all([m.data(), p.data()])) as [Float32Array, Float32Array];
    m.dispose();
    p.dispose();
    return (k: number) => ({ mask: Float32Array.from(mv.subarray(k * h * w, (k + 1) * h * w)), pattern: Float32Array.from(pv.subarray(k * h * w * c, (k + 1) * h * w * c)) });
  };
  try {
    for (let epoch = 0; epoch < cfg.epochs; epoch++) {
      const active = searches.map((s, k) => (s.done ? -1 : k)).filter((k) => k >= 0);
      if (active.length === 0) break;
      for (let s = 0; s < cfg.stepsPerEpoch; s++) {
        await checkpoint(signal);
        const idx = new Int32Array(active.length * bs);
        const slot = new Int32Array(active.length * bs);
        const targets = new Int32Array(active.length * bs);
        const costs = new Float32Array(K);
        active.forEach((k, a) => {
          idx.set(drawFrom(searches[k]!.pool, bs, searches[k]!.rng), a * bs);
          slot.fill(k, a * bs, (a + 1) * bs);
          targets.fill(searches[k]!.label, a * bs, (a + 1) * bs);
          costs[k] = searches[k]!.cost;
        });
        const b = makeBatch(data, idx);
        const xPix = toPixels(b.x, space);
        const slotT = tf.tensor1d(slot, 'int32');
        const targetT = tf.tensor1d(targets, 'int32');
        const costT = tf.tensor1d(costs);
        let pred: tf.Tensor | undefined;
        let l1: tf.Tensor | undefined;
        const { value, grads } = tf.variableGrads(() => {
          const mAll = maskOf();
          // Each sample's own label's mask and pattern, picked by a one-hot product (tf.gather's gradient needs
          // UnsortedSegmentSum, which the wasm backend lacks; K is at most MAX_SEARCH_BATCH / batchSize).
          // One label: its mask and pattern broadcast over the batch.
          const n = idx.length;
          const pick = K > 1 ? tf.cast(tf.oneHot(slotT, K), 'float32') : null;
          const m = pick ? tf.reshape(tf.matMul(pick, tf.reshape(mAll, [K, h * w])), [n, h, w, 1]) : mAll;
          const pat = pick ? tf.reshape(tf.matMul(pick, tf.reshape(patternOf(), [K, h * w * c])), [n, h, w, c]) : patternOf();
          const logits = program.forward(toModelInput(stamp(xPix, m, pat), space), { training: false });
          pred = tf.keep(hitsOf(logits, targetT, cfg.minConfidence));
          l1 = tf.keep(tf.sum(mAll, [1, 2, 3]));
          // Σ over labels of (its batch's mean cross-entropy + its cost · its mask L1): each label's own loss.
          const ce = tf.sum(tf.mean(tf.reshape(perSampleCrossEntropy(logits, targetT), [active.length, bs]), 1));
          return tf.add(ce, tf.sum(tf.mul(l1, costT))) as tf.Scalar;
        }, [maskParam, patternParam]);
        value.dispose();
        optimizer.step([grads[maskParam.name]!, grads[patternParam.name]!]);
        const [p, l] = await Promise.all([pred!.data(), l1!.data()]);
        active.forEach((k, a) => {
          const st = searches[k]!;
          for (let i = a * bs; i < (a + 1) * bs; i++) st.hits += p[i]!;
          st.seen += bs;
          st.l1Sum += l[k]!;
        });
        pred!.dispose();
        l1!.dispose();
        xPix.dispose();
        slotT.dispose();
        targetT.dispose();
        costT.dispose();
        disposeBatch(b);
      }
      const snap = active.some((k) => searches[k]!.keepsThisEpoch()) ? await snapAll() : null;
      for (const k of active) searches[k]!.endEpoch(epoch, () => snap!(k));
      onEpoch(epoch + 1);
    }
    const last = await snapAll();
    return searches.map((s, k) => s.result(last(k)));
  } finally {
    optimizer.dispose();
    maskParam.dispose();
    patternParam.dispose();
    lo.dispose();
    span.dispose();
  }
}

/** −log p(target) per row. */
function perSampleCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits), tf.oneHot(targets, logits.shape[1])), 1)) as tf.Tensor1D);
}

/** Per row 1 when the prediction is that row's target with probability >= minConfidence, else 0. */
function hitsOf(logits: tf.Tensor2D, targets: tf.Tensor1D, minConfidence: number): tf.Tensor1D {
  return tf.tidy(() => {
    const isLabel = tf.equal(tf.argMax(logits, 1), targets);
    if (minConfidence <= 0) return tf.cast(isLabel, 'int32') as tf.Tensor1D;
    const p = tf.sum(tf.mul(tf.softmax(logits), tf.oneHot(targets, logits.shape[1])), 1);
    return tf.cast(tf.logicalAnd(isLabel, tf.greaterEqual(p, minConfidence)), 'int32') as tf.Tensor1D;
  });
}

/** Share of `data` samples not of `label` that the stamped trigger sends to `label` on `program` (eval mode). */
export async function triggerSuccess(
  program: Program,
  data: Dataset,
  space: PixelSpace,
  label: number,
  mask: Float32Array,
  pattern: Float32Array,
  batchSize = 250,
): Promise<number> {
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
      const v = await pred.data();
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
