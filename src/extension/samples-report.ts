/**
 * The host's side of the suspicious-sample grid, free of the `vscode` module so it is tested under plain Node:
 * turning a worker's SamplesOutput into the panel's SamplesReport (pictures only for the shown tiles), and the
 * "flagged indices" JSON file the user exports from it (written atomically, never over the model or the data).
 */
import * as path from 'node:path';
import type { SamplesOutput } from '../engine/samples';
import type { SamplesReport } from '../protocol';
import { proposeFlagCount } from '../engine/evidence/flag-count';
import { writeFileAtomic } from '../engine/atomic-write';

/** The grid shows at most this many of the most suspicious samples (each with a thumbnail). */
export const GRID_CAP = 200;

export interface SamplesRun {
  model: string;
  data: string;
  output: SamplesOutput;
}

export function samplesReport(run: SamplesRun): SamplesReport {
  const { output } = run;
  const previews = output.previews ?? [];
  const rankedScores = output.samples.map((s) => s.score);
  return {
    model: run.model,
    data: run.data,
    inspect: output.inspect,
    score: output.score,
    rankedScores,
    // How many: the two-group split of the samples' own scores (the label-group scaling blurs it: on BadNets it
    // proposed 181 for 100 poisoned); which: the top of the ranking (precision of the top 102: 0.92 vs 0.91 unscaled).
    proposedCount: proposeFlagCount(output.samples.map((s) => s.ownScore).sort((a, b) => b - a)),
    ...(output.poisonFlags && output.samples.every((s) => typeof s.poisoned === 'boolean')
      ? { rankedPoison: output.samples.map((s) => (s.poisoned ? 1 : 0)), auroc: output.poisonFlags.auroc }
      : {}),
    // Previews come in rank order; a tile needs its picture, so the grid is as long as the shorter of the two.
    tiles: previews.slice(0, GRID_CAP).map((p, i) => {
      const s = output.samples[i];
      if (s.index !== p.index) throw new Error(`preview ${i} is of sample ${p.index}, the ranking has ${s.index} there`);
      return { index: s.index, score: s.score, predicted: s.predicted, label: p.label, png: p.png };
    }),
  };
}

/** The exported file (README "Inspecting a dataset"): scripts read it, so its fields are a contract. */
export interface FlaggedSamplesFile {
  model: string;
  /** The inspected dataset. */
  inspect: string;
  /** The defense data the model was unlearned on. */
  data: string;
  /** What `scores` are, in words. */
  score: string;
  /** How many samples the inspected set holds. */
  total: number;
  /** Flagged sample indices (file order of the inspected set), most suspicious first. */
  indices: number[];
  /** Their scores, same order. */
  scores: number[];
}

/** The `count` most suspicious samples of a run (count clamped to what there is). */
export function flaggedSamples(run: SamplesRun, count: number): FlaggedSamplesFile {
  const top = run.output.samples.slice(0, Math.max(0, Math.min(run.output.samples.length, Math.floor(count))));
  return {
    model: run.model,
    inspect: run.output.inspect.path,
    data: run.data,
    score: run.output.score,
    total: run.output.inspect.count,
    indices: top.map((s) => s.index),
    scores: top.map((s) => s.score),
  };
}

/** DATASET.flagged.json beside the inspected file or folder. */
export function defaultFlaggedPath(inspect: string): string {
  const clean = inspect.replace(/[\\/]+$/, '');
  return path.join(path.dirname(clean), path.basename(clean).replace(/\.npz$/i, '') + '.flagged.json');
}

/** Writes the file atomically; refuses to replace the model, the defense data or the inspected data. */
export async function writeFlaggedSamples(dest: string, file: FlaggedSamplesFile): Promise<void> {
  await writeFileAtomic(dest, new TextEncoder().encode(JSON.stringify(file, null, 2) + '\n'), { neverOverwrite: [file.model, file.data, file.inspect] });
}
