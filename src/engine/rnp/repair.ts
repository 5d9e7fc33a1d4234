/**
 * Adaptive mode's last step, repair: a short fine-tune of the pruned model on the clean defense data in which part of
 * every batch is stamped with the recovered trigger and keeps its clean answer (Neural Cleanse's unlearning
 * mitigation), with the pruned channels held at zero through their masks. The answer taught is the original model's
 * own softmax on the unstamped sample (distillation; measured with 10 epochs vs hard labels: BadNets ACC 85.6 → 86.7 %,
 * ASR 5.5 → 4.0 %; Blend 87.7 → 88.7 %, 3.5 → 3.4 %; SIG 87.7 → 87.4 %, 4.2 → 3.9 %). Both triggers recovered for the label (from
 * the unlearned and from the original model) are stamped, each on its share of the batch: on the Blend fixture the
 * original model's small patch-like trigger alone let the attack back (ASR 8–22 %), the unlearned model's wider one
 * did not (2–6 %); on BadNets both work.
 *
 * Why: on small models pruning removes channels that clean features share with the backdoor (the BadNets fixture
 * loses 18 points of clean accuracy for an ASR of 0.2 %), and fine-tuning on clean data alone brings the backdoor back
 * through the channels that are left (measured: ASR 0.2 % → 8–28 % within five epochs). The stamped half teaches the
 * model to ignore the trigger while the clean half restores accuracy. The epoch kept is chosen on held-out clean data
 * only: among the epochs whose recovered-trigger success on the hold-out stays at or below `maxTriggerSuccess`, the
 * one closest to the original model there (least mean KL from its softmax). Held-out *accuracy* on 100 samples was
 * too coarse to choose by (measured per epoch, test set: Blend's most accurate held-out epoch had ASR 7.5 %, SIG's
 * 87.0 % ACC where later epochs reach 88–89 %); the divergence picked Blend 88.6 / 4.9, SIG 88.2 / 3.5, BadNets
 * 86.8 / 4.1 (ACC / ASR, 10 epochs, fixed triggers). Before every epoch the triggers' patterns are re-fitted to the
 * model as it now is (adapt-trigger.ts), and the fine-tune runs until the kept epoch stops changing.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Dataset } from '../data/dataset';
import type { Program } from '../graph/program';
import type { IrTensor } from '../onnx/ir';
import type { PixelSpace } from '../evidence/pixel-space';
import { stamp, toModelInput, toPixels } from '../evidence/pixel-space';
import { triggerSuccess } from '../evidence/neural-cleanse';
import { adaptPattern, type StampTensors } from './adapt-trigger';
import { logitsOf, suspicionScores } from '../evidence/sample-score';
import type { RepairEpoch } from '../result';
import { accuracy } from './evaluate';
import { batchIndices, disposeBatch, makeBatch } from '../train/batches';
import { crossEntropy } from '../train/loss';
import { checkpoint, type PassContext } from '../train/pass-context';
import { permutation } from '../train/random';
import { Sgd } from '../train/sgd';
import { Snapshot } from '../train/snapshot';
import { trainStep } from '../train/train-step';

import type { RepairConfig } from './repair-config';
export { REPAIR_DEFAULTS, type RepairConfig } from './repair-config';

export interface RecoveredTrigger {
  label: number;
  /** H×W in [0, 1]. */
  mask: Float32Array;
  /** H×W×C pixels. */
  pattern: Float32Array;
  space: PixelSpace;
}

/** Stamps the first `k` rows of an NHWC batch, split evenly between the triggers; the rest stay clean. */
function stampHead(x: tf.Tensor4D, k: number, triggers: readonly StampTensors[]): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape;
    const parts: tf.Tensor4D[] = [];
    let start = 0;
    triggers.forEach((t, j) => {
      const end = Math.round((k * (j + 1)) / triggers.length);
      if (end > start) {
        const rows = tf.slice(x, [start, 0, 0, 0], [end - start, h, w, c]);
        parts.push(toModelInput(stamp(toPixels(rows, t.space), t.mask, t.pattern), t.space));
      }
      start = end;
    });
    if (n > k) parts.push(tf.slice(x, [k, 0, 0, 0], [n - k, h, w, c]));
    return tf.concat(parts) as tf.Tensor4D;
  });
}



export interface RepairOutput {
  history: RepairEpoch[];
  /** The epoch kept (1-based); 0 = the pruned model itself, not fine-tuned. */
  chosenEpoch: number;
  /** The original model's hold-out accuracy, the budget's reference. */
  holdoutOriginalAcc: number;
}

/**
 * The original model's logits (eval mode, before any Softmax) over each dataset, row-major [N, K]; the program's
 * weights are put back.
 */
async function originalLogits(program: Program, original: ReadonlyMap<string, IrTensor>, sets: readonly Dataset[]): Promise<Float32Array[]> {
  const current = new Snapshot(program);
  try {
    program.assign(original);
    const out: Float32Array[] = [];
    for (const d of sets) out.push(await logitsOf(program, d, 250, false, true));
    return out;
  } finally {
    current.restore();
    current.dispose();
  }
}

/** Row-wise softmax of row-major logits [N, K], in float32 as the training step sees it. */
async function softmaxOf(logits: Float32Array, k: number): Promise<Float32Array> {
  const p = tf.tidy(() => tf.softmax(tf.tensor2d(logits, [logits.length / k, k])));
  const out = Float32Array.from(await p.data());
  p.dispose();
  return out;
}

function gatherRows(rows: Float32Array, idx: Int32Array, k: number): tf.Tensor2D {
  const out = new Float32Array(idx.length * k);
  idx.forEach((i, r) => out.set(rows.subarray(i * k, (i + 1) * k), r * k));
  return tf.tensor2d(out, [idx.length, k]);
}

/** Mean over rows of −Σ target·log softmax(logits). */
function softCrossEntropy(logits: tf.Tensor2D, target: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.neg(tf.mean(tf.sum(tf.mul(target, tf.logSoftmax(logits)), 1))) as tf.Scalar);
}

/**
 * The repair's order on epochs: `better(a, b)` when epoch a is to be kept over b. Within the budget (mean KL from the
 * original's answers on the hold-out ≤ budget.divergence, and hold-out accuracy no more than budget.repairAccuracy
 * under the original's `originalAcc`: a coarse guard on 100 samples, see defenseBudgetFor), the epoch the triggers
 * fail on most (at or below `maxTriggerSuccess` all count as removed), ties to the one closer to the original; within
 * the budget beats outside it; with none within it, the closest (a pruned start far from the original that never
 * comes back).
 */
export function epochPreference(originalAcc: number, budget: { repairAccuracy: number; divergence: number }, maxTriggerSuccess: number): (a: RepairEpoch, b: RepairEpoch) => boolean {
  const floor = originalAcc - budget.repairAccuracy - 1e-9;
  const qualifies = (e: RepairEpoch) => e.holdoutAcc >= floor && e.holdoutDivergence <= budget.divergence;
  return (a, b) => {
    const aOk = qualifies(a);
    const bOk = qualifies(b);
    if (aOk !== bOk) return aOk;
    if (!aOk) return a.holdoutDivergence < b.holdoutDivergence;
    const aT = Math.max(a.holdoutTriggerSuccess, maxTriggerSuccess);
    const bT = Math.max(b.holdoutTriggerSuccess, maxTriggerSuccess);
    return aT !== bT ? aT < bT : a.holdoutDivergence < b.holdoutDivergence;
  };
}

/**
 * Fine-tunes `program` in place (it must hold the pruned original weights; `original` is the unpruned model, the
 * teacher when distilling). `keep[s][c]` is false for pruned channels. On return the program holds the chosen epoch's
 * weights and BN statistics.
 */
export async function repair(
  program: Program,
  original: ReadonlyMap<string, IrTensor>,
  train: Dataset,
  holdout: Dataset,
  keep: readonly boolean[][],
  triggers: readonly RecoveredTrigger[],
  cfg: RepairConfig,
  /** What a kept epoch may give up against the original model on the hold-out (select-adaptive.ts defenseBudgetFor). */
  budget: { repairAccuracy: number; divergence: number },
  ctx: PassContext & {
    onRepairEpoch?: (e: RepairEpoch, total: number) => void;
    /** A repair study (ScanHooks.studyRepair): exactly `epochs` epochs, `measure` recorded after each. */
    study?: { epochs: number; measure: () => Promise<NonNullable<RepairEpoch['test']>> };
  },
): Promise<RepairOutput> {
  const [c, h, w] = train.shape;
  const masks = keep.map((k) => tf.tensor1d(k.map((on) => (on ? 1 : 0))));
  if (triggers.length === 0) throw new Error('repair needs at least one recovered trigger');
  const stamps: StampTensors[] = triggers.map((t) => ({ mask: tf.tensor4d(t.mask, [1, h, w, 1]), pattern: tf.tensor4d(t.pattern, [1, h, w, c]), space: t.space, label: t.label }));
  const vars = [...program.weights.values()];
  const sgd = new Sgd(cfg.lr, cfg.momentum, cfg.weightDecay);
  const numClasses = program.numClasses;
  const [heldTeacher, trainTeacher] = await originalLogits(program, original, cfg.distill ? [holdout, train] : [holdout]);
  const teacher = trainTeacher ? await softmaxOf(trainTeacher, numClasses) : null;
  // Mean KL(original ‖ current) on the hold-out (suspicionScores is −KL per sample).
  const divergence = async () => -suspicionScores(heldTeacher!, await logitsOf(program, holdout, 250, false, true), numClasses).reduce((a, b) => a + b, 0) / holdout.count;
  const measure = async (epoch: number): Promise<RepairEpoch> => {
    const holdoutAcc = (await accuracy(program, holdout))!;
    const holdoutDivergence = await divergence();
    // The worst of the triggers: each must stay out.
    let holdoutTriggerSuccess = 0;
    for (const t of triggers) holdoutTriggerSuccess = Math.max(holdoutTriggerSuccess, await triggerSuccess(program, holdout, t.space, t.label, t.mask, t.pattern));
    return { epoch, holdoutAcc, holdoutDivergence, holdoutTriggerSuccess };
  };
  const measured = async (epoch: number): Promise<RepairEpoch> => (ctx.study ? { ...(await measure(epoch)), test: await ctx.study.measure() } : measure(epoch));
  const history: RepairEpoch[] = [await measured(0)];
  // The original model's hold-out accuracy, from the teacher's logits: the budget is against it, not the pruned one.
  let right = 0;
  for (let i = 0; i < holdout.count; i++) {
    const row = heldTeacher.subarray(i * numClasses, (i + 1) * numClasses);
    let arg = 0;
    for (let k = 1; k < numClasses; k++) if (row[k] > row[arg]) arg = k;
    if (arg === holdout.y[i]) right++;
  }
  const holdoutOriginalAcc = right / holdout.count;
  const better = epochPreference(holdoutOriginalAcc, budget, cfg.maxTriggerSuccess);
  let best = history[0];
  let kept = new Snapshot(program);
  try {
    const epochs = ctx.study?.epochs ?? cfg.epochs;
    for (let epoch = 1; epoch <= epochs; epoch++) {
      if (cfg.adaptSteps > 0) for (const t of stamps) adaptPattern(program, train, t, masks, cfg.adaptSteps, cfg.adaptStep, ctx.rng);
      for (const idx of batchIndices(permutation(train.count, ctx.rng), cfg.batchSize)) {
        await checkpoint(ctx.signal);
        const b = makeBatch(train, idx);
        const n = idx.length;
        const k = Math.round(n * cfg.stampedFraction);
        if (k > 0) {
          const mixed = stampHead(b.x, k, stamps);
          b.x.dispose();
          b.x = mixed;
        }
        const target = teacher ? gatherRows(teacher, idx, numClasses) : null;
        await trainStep(program, b, vars, { training: cfg.batchStats, updateStats: cfg.batchStats, masks }, (out) => (target ? softCrossEntropy(out, target) : crossEntropy(out, b.y)), sgd);
        target?.dispose();
        disposeBatch(b);
      }
      const e = await measured(epoch);
      history.push(e);
      ctx.onRepairEpoch?.(e, epochs);
      if (better(e, best)) {
        best = e;
        kept.dispose();
        kept = new Snapshot(program);
      } else if (!ctx.study && epoch - Math.max(best.epoch, cfg.minEpochs) >= cfg.patience) {
        break;
      }
    }
    kept.restore();
    return { history, chosenEpoch: best.epoch, holdoutOriginalAcc };
  } finally {
    kept.dispose();
    sgd.dispose();
    masks.forEach((m) => m.dispose());
    for (const t of stamps) {
      t.mask.dispose();
      t.pattern.dispose();
    }
  }
}
