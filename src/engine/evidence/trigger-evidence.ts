/**
 * The trigger evidence of a scan: a Neural Cleanse sweep over every label (per-label trigger norms and their MAD
 * anomaly indices), then, for the suspected label, the recovered trigger as pictures with its attack success on the
 * *original* model, next to the same search run on the original model (RNP's point: the unlearned model, whose clean
 * features are gone, gives up a cleaner trigger).
 *
 * Call it while `program` holds the unlearned weights; it switches to the original with `program.assign(original)`
 * when it needs it and leaves the program holding the original weights.
 */
import type { Dataset } from '../data/dataset';
import type { Program } from '../graph/program';
import type { IrTensor } from '../onnx/ir';
import type { LabelScore, TriggerResult } from '../result';
import { anomalyIndices, type MadOutput } from './mad';
import { NC_DEFAULTS, type NcConfig, type NcResult, indicesNotOf, reverseEngineerTrigger, triggerSuccess } from './neural-cleanse';
import { pixelSpaceOf, type PixelSpace } from './pixel-space';
import { pngDataUrl } from './png';
import { Snapshot } from '../rnp/snapshot';

export interface TriggerEvidenceConfig {
  nc: NcConfig;
}

export interface TriggerSweep {
  /** One search per label, in label order, on the unlearned model. */
  results: NcResult[];
  mad: MadOutput;
}

export interface TriggerEvidenceHooks {
  signal?: AbortSignal;
  onStep?: (step: number, total: number, message: string) => void;
}

/** Per-label scores from the unlearned model's histogram and (when run) the trigger sweep. */
export function labelScoresOf(histogram: readonly number[], sweep: TriggerSweep | null): LabelScore[] {
  const total = histogram.reduce((a, b) => a + b, 0) || 1;
  return histogram.map((n, label) => ({
    label,
    unlearnedShare: n / total,
    triggerNorm: sweep ? round(sweep.results[label].maskL1, 3) : null,
    anomalyIndex: sweep ? round(sweep.mad.indices[label], 3) : null,
  }));
}

/** Neural Cleanse for every label on the program's current (unlearned) weights. */
export async function sweepLabels(program: Program, defense: Dataset, cfg: TriggerEvidenceConfig, hooks: TriggerEvidenceHooks = {}): Promise<TriggerSweep> {
  const space = pixelSpaceOf(defense);
  const results: NcResult[] = [];
  for (let label = 0; label < program.numClasses; label++) {
    hooks.onStep?.(label + 1, program.numClasses, `recovering a trigger for label ${label}`);
    // A label with no samples outside it (or none at all in the data) gets no search: its norm is the largest possible.
    if (indicesNotOf(defense, label).length === 0) {
      const [c, h, w] = defense.shape;
      results.push({ label, mask: new Float32Array(h * w).fill(1), pattern: new Float32Array(h * w * c), maskL1: h * w, attackSuccess: 0, reached: false, epochsRun: 0 });
      continue;
    }
    results.push(await reverseEngineerTrigger(program, defense, space, label, cfg.nc, hooks.signal));
  }
  return { results, mad: anomalyIndices(results.map((r) => r.maskL1)) };
}

/**
 * The trigger report for `label`: the unlearned model's trigger (from the sweep), its success on the original model,
 * and the same search on the original model. Leaves the program on the original weights.
 */
export async function triggerReport(
  program: Program,
  original: ReadonlyMap<string, IrTensor>,
  defense: Dataset,
  unlearnedTrigger: NcResult,
  cfg: TriggerEvidenceConfig,
  hooks: TriggerEvidenceHooks = {},
): Promise<TriggerResult> {
  const space = pixelSpaceOf(defense);
  const label = unlearnedTrigger.label;
  program.assign(original);
  hooks.onStep?.(1, 2, `testing label ${label}'s trigger on the original model`);
  const asrOnOriginal = triggerSuccess(program, defense, space, label, unlearnedTrigger.mask, unlearnedTrigger.pattern);
  hooks.onStep?.(2, 2, `recovering label ${label}'s trigger on the original model, for comparison`);
  const fromOriginal = await reverseEngineerTrigger(program, defense, space, label, cfg.nc, hooks.signal);
  const asrOfOriginal = triggerSuccess(program, defense, space, label, fromOriginal.mask, fromOriginal.pattern);
  return {
    label,
    maskL1: round(unlearnedTrigger.maskL1, 3),
    asrOnOriginal: round(asrOnOriginal, 4),
    ...pictures(unlearnedTrigger, defense, space),
    fromOriginal: {
      maskL1: round(fromOriginal.maskL1, 3),
      asrOnOriginal: round(asrOfOriginal, 4),
      ...pictures(fromOriginal, defense, space),
    },
  };
}

/** Runs the sweep on the current (unlearned) weights and keeps a copy of them so callers can come back. */
export async function sweepKeepingWeights(program: Program, defense: Dataset, cfg: TriggerEvidenceConfig, hooks: TriggerEvidenceHooks = {}) {
  const snap = new Snapshot(program);
  try {
    return await sweepLabels(program, defense, cfg, hooks);
  } finally {
    snap.restore();
    snap.dispose();
  }
}

function pictures(r: NcResult, defense: Dataset, space: PixelSpace): { maskPng: string; patternPng: string; stampedPng: string } {
  const [c, h, w] = defense.shape;
  const maskPng = pngDataUrl({ height: h, width: w, channels: 1, data: r.mask, lo: [0], hi: [1] });
  const patternPng = pngDataUrl({ height: h, width: w, channels: c, data: r.pattern, lo: space.lo, hi: space.hi });
  // One clean sample of another label, stamped: what the trigger does to a real input.
  const pool = indicesNotOf(defense, r.label);
  const i = pool.length > 0 ? pool[0] : 0;
  const per = h * w * c;
  const stamped = new Float32Array(per);
  for (let k = 0; k < per; k++) {
    const ch = k % c;
    const pixel = defense.x[i * per + k] * space.std[ch] + space.mean[ch];
    const m = r.mask[Math.floor(k / c)];
    stamped[k] = (1 - m) * pixel + m * r.pattern[k];
  }
  const stampedPng = pngDataUrl({ height: h, width: w, channels: c, data: stamped, lo: space.lo, hi: space.hi });
  return { maskPng, patternPng, stampedPng };
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

export const TRIGGER_DEFAULTS: TriggerEvidenceConfig = { nc: NC_DEFAULTS };
