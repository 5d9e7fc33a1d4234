/**
 * Poisoned-sample detection (`rnp-scan samples`): unlearn the model on the clean defense data as a scan does, then
 * score every sample of an inspected set by how much the unlearned model still agrees with the original one
 * (evidence/sample-score.ts). Poisoned training samples carry the trigger, which survives unlearning, so they rank
 * first. Nothing is written; the model file is only read.
 */
import * as path from 'node:path';
import type { Progress, ScanRequest } from './jobs';
import type { DatasetInfo } from './result';
import { selectBackend } from './backend';
import { readOnnxFile } from './onnx/read';
import { compileProgram } from './graph/compile';
import { loadDataset, describeDataset } from './data/load';
import { unlearnForScan } from './rnp/unlearn-for-scan';
import { histogram, predict } from './rnp/evaluate';
import { checkpoint } from './train/pass-context';
import { resolveOptions, type ScanHooks } from './scan';
import { argmaxRow, groupScaledScores, logitsOf, suspicionScores } from './evidence/sample-score';
import { sampleThumbnail } from './evidence/thumbnails';
import { pixelSpaceOf } from './evidence/pixel-space';
import { auroc } from './evidence/auroc';

export interface SampleScore {
  /** Index in the inspected dataset (file order). */
  index: number;
  /** Suspicion, higher = more likely poisoned: −KL(p_original ‖ p_unlearned) scaled by its label group (evidence/sample-score.ts), at most 0. */
  score: number;
  /**
   * −KL(p_original ‖ p_unlearned) of the sample alone, before the label-group scaling: its distribution splits into a
   * poisoned and a clean group (what the flag-count proposal cuts); the scaled `score` orders them better.
   */
  ownScore: number;
  /** The original model's prediction for it. */
  predicted: number;
  /** Only when the inspected .npz has `is_poison`: what the file says this sample is (ground truth, never used to score). */
  poisoned?: boolean;
}

export interface SamplesOutput {
  /** Sorted by score, most suspicious first. */
  samples: SampleScore[];
  inspect: DatasetInfo;
  /** What the score is, in words. */
  score: string;
  /** The unlearned model's predictions over the defense data (RNP Algorithm 1's label evidence). */
  labelHistogram: number[];
  /** Per original-predicted label: how many inspected samples, and their mean score (a poisoned label stands out). */
  byPredictedLabel: { label: number; count: number; meanScore: number }[];
  /**
   * Only when asked for (`SamplesOptions.previews`; the CLI does not): pictures of the first `previews` samples of
   * `samples`, in the same order, with the label the inspected file gives them (null when it has none).
   */
  previews?: SamplePreview[];
  /**
   * Only when the inspected .npz has `is_poison` flags (ground truth, never used to score): how many it marks, and
   * the ranking's AUROC against them (null when all or none are marked).
   */
  poisonFlags?: { poisoned: number; auroc: number | null };
}

export interface SamplePreview {
  index: number;
  /** PNG data URL, longer side at most 64 pixels (evidence/thumbnails.ts). */
  png: string;
  label: number | null;
}

export interface SamplesOptions {
  /** How many of the most suspicious samples to draw (for the panel's grid); 0 = none. */
  previews?: number;
}

export async function runSamples(req: ScanRequest, inspectPath: string, hooks: ScanHooks = {}, opts: SamplesOptions = {}): Promise<SamplesOutput> {
  const o = resolveOptions(req.options);
  const report = (p: Progress) => hooks.onProgress?.(p);
  report({ phase: 'load', step: 0, total: 0, message: `loading ${path.basename(req.model)}` });
  await selectBackend(o.backend, o.threads);
  const { graph } = await readOnnxFile(req.model);
  const program = compileProgram(graph, req.model);
  try {
    const dopts = { expectShape: program.inputShape, numClasses: program.numClasses, mean: o.preprocess.mean, std: o.preprocess.std };
    const defense = await loadDataset(req.data, dopts);
    // The inspected set may come without labels: the score does not use them.
    const inspect = await loadDataset(inspectPath, { ...dopts, labelsRequired: false, poisonFlags: true });
    const k = program.numClasses;
    const original = await logitsOf(program, inspect);
    await checkpoint(hooks.signal);
    await unlearnForScan(program, defense, o, hooks);
    // As the scan: the unlearned model on batch statistics (its running statistics lag behind what unlearning did).
    const labelHistogram = histogram(await predict(program, defense, o.batchSize, true), k);
    report({ phase: 'evidence', step: 0, total: 0, message: 'scoring the inspected samples' });
    const unlearned = await logitsOf(program, inspect, 250, true);
    const predictedOf = Int32Array.from({ length: inspect.count }, (_, i) => argmaxRow(original, i, k));
    const own = suspicionScores(original, unlearned, k);
    const scores = groupScaledScores(own, predictedOf, k);
    // Rounded to 6 significant digits, not places: poisoned samples' scores are ~1e-6 and their order matters.
    const round6 = (v: number) => Number(v.toPrecision(6)) || 0;
    const flags = inspect.isPoison;
    const samples: SampleScore[] = Array.from(scores, (score, index) => ({ index, score: round6(score), ownScore: round6(own[index]), predicted: predictedOf[index], ...(flags ? { poisoned: flags[index] === 1 } : {}) }));
    const byPredictedLabel = Array.from({ length: k }, (_, label) => {
      const of = samples.filter((s) => s.predicted === label);
      return { label, count: of.length, meanScore: of.length ? Math.round((of.reduce((a, s) => a + s.score, 0) / of.length) * 1e4) / 1e4 : 0 };
    });
    samples.sort((a, b) => b.score - a.score || a.index - b.index);
    const previewCount = Math.max(0, Math.min(samples.length, Math.floor(opts.previews ?? 0)));
    let previews: SamplePreview[] | undefined;
    if (previewCount > 0) {
      const space = pixelSpaceOf(inspect);
      previews = samples.slice(0, previewCount).map((s) => ({ index: s.index, png: sampleThumbnail(inspect, s.index, space), label: inspect.y[s.index] >= 0 ? inspect.y[s.index] : null }));
    }
    return {
      samples,
      inspect: describeDataset(inspect),
      score: "-KL(p_original || p_unlearned) x the geometric mean KL of the samples with the same original prediction: how much of the original model's output the unlearned model kept, for the sample and for its label (0 = all)",
      labelHistogram,
      byPredictedLabel,
      ...(previews ? { previews } : {}),
      ...(flags ? { poisonFlags: flagsSummary(samples, flags) } : {}),
    };
  } finally {
    program.dispose();
  }
}

function flagsSummary(samples: readonly SampleScore[], flags: Uint8Array): NonNullable<SamplesOutput['poisonFlags']> {
  const poisoned = flags.reduce((a, b) => a + b, 0);
  const byIndex = new Float64Array(flags.length);
  for (const s of samples) byIndex[s.index] = s.score;
  return { poisoned, auroc: poisoned > 0 && poisoned < flags.length ? Math.round(auroc(byIndex, flags) * 1e4) / 1e4 : null };
}
