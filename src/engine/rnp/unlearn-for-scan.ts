/**
 * Unlearning exactly as a scan does it, shared by `runScan` and `runSamples` so both see the same unlearned model:
 * one seeded random stream; in adaptive mode a stratified hold-out is set aside first (the plan's `holdout`, also
 * when the user fixes the threshold: the repair chooses its epoch on it) and unlearning sees the rest. The stream
 * is returned because recovery continues it.
 */
import type { Dataset } from '../data/dataset';
import { stratifiedSplit } from '../data/subset';
import type { Program } from '../graph/program';
import type { ScanOptions } from '../options';
import { unlearnSettings } from '../plan';
import type { EpochStat } from '../result';
import type { Progress } from '../jobs';
import { mulberry32, type Rng } from '../train/random';
import { unlearn } from './unlearn';
import { unlearnAdaptive } from './unlearn-adaptive';

export interface ScanUnlearning {
  rng: Rng;
  trainSet: Dataset;
  holdout: Dataset | null;
  history: EpochStat[];
  /** Adaptive mode: how unlearning stopped, in words. */
  note: string | null;
}

/** The seeded stream and the hold-out split a scan starts from: a pure function of the seed and the data. */
export function splitForScan(defense: Dataset, o: ScanOptions): { rng: Rng; trainSet: Dataset; holdout: Dataset | null } {
  const rng = mulberry32(o.seed);
  const split = o.mode === 'adaptive' ? stratifiedSplit(defense, o.holdoutFraction, rng) : null;
  return { rng, trainSet: split ? split.train : defense, holdout: split?.holdout ?? null };
}

export async function unlearnForScan(
  program: Program,
  defense: Dataset,
  o: ScanOptions,
  hooks: { signal?: AbortSignal; onProgress?: (p: Progress) => void } = {},
): Promise<ScanUnlearning> {
  const { rng, trainSet, holdout } = splitForScan(defense, o);
  const cfg = unlearnSettings(o);
  const onEpoch = (s: EpochStat, n: number) =>
    hooks.onProgress?.({ phase: 'unlearn', step: s.epoch, total: n, acc: s.acc, message: `unlearning epoch ${s.epoch}: clean acc ${(s.acc * 100).toFixed(1)}%` });
  const ctx = { rng, signal: hooks.signal, onEpoch };
  if (o.mode !== 'adaptive') {
    return { rng, trainSet, holdout, history: await unlearn(program, trainSet, cfg, ctx), note: null };
  }
  const u = await unlearnAdaptive(program, trainSet, { ...cfg, maxGradNorm: o.maxGradNorm, collapseShare: 0.9, maxBackoffs: 6, monitorSize: 256 }, ctx);
  return {
    rng,
    trainSet,
    holdout,
    history: u.history,
    note:
      `Unlearning stopped after ${u.steps} steps at monitor accuracy ${(u.monitorAcc * 100).toFixed(1)}% ` +
      `(largest class share ${(u.monitorTopShare * 100).toFixed(0)}%, ${u.backoffs} collapse back-offs, final lr ${u.finalLr.toPrecision(3)}).`,
  };
}
