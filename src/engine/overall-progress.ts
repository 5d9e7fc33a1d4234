/**
 * One number for the whole scan: the share done and an ETA, added to every progress report. Why: each phase counts
 * its own steps (unlearn epochs, one trigger search per label, repair epochs), so a user watching "evidence 3/10"
 * could not tell whether the scan was a tenth or half done (issue #23, item 8; #21 asks for an ETA).
 *
 * The share is a weighted sum over the plan's stages that run: each stage's weight is its median share of a whole
 * adaptive scan's time, measured over the 26 uncached adaptive scans of the zoo bench (2026-12-03: evidence 0.52,
 * repair 0.24, evaluate 0.08 over before/curve/after, recover 0.08, unlearn 0.03, the rest ≈ 0; the 4 % not in any phase's seconds given to the evaluations, so that the weights sum to 1), renormalised over
 * the stages a plan runs (paper mode has no evidence or repair). Inside a stage, its step/total. A cached stage
 * counts done at once. The ETA extrapolates the elapsed time from the share, once a tenth of the scan is done, so it
 * is an estimate: a scan whose trigger searches stop early finishes sooner.
 */
import type { StageName } from './plan';

/** Median share of an adaptive scan's time per stage (see the header). */
export const STAGE_WEIGHTS: Record<StageName, number> = {
  'evaluate-before': 0.04,
  unlearn: 0.03,
  recover: 0.08,
  evidence: 0.52,
  verdict: 0,
  select: 0.005,
  prune: 0.0,
  curve: 0.05,
  repair: 0.24,
  'evaluate-after': 0.03,
  write: 0.005,
};

export interface Overall {
  /** Share of the scan done, 0..1. */
  fraction: number;
  /** Seconds left, estimated; null until a tenth is done. */
  etaSeconds: number | null;
}

export class OverallProgress {
  private readonly weights: number[];
  private index = -1;
  private readonly start: number;

  /** `stages`: the stages that will run, in order; `now()` in milliseconds. */
  constructor(private readonly stages: readonly StageName[], private readonly now: () => number = () => performance.now()) {
    const w = stages.map((s) => STAGE_WEIGHTS[s]);
    const sum = w.reduce((a, b) => a + b, 0) || 1;
    this.weights = w.map((x) => x / sum);
    this.start = now();
  }

  /** The plan has moved on to `stage` (the stages before it are done). */
  enter(stage: StageName): void {
    const i = this.stages.indexOf(stage, Math.max(0, this.index));
    if (i >= 0) this.index = i;
  }

  /** The overall share and ETA, given the current stage's step of total (0/0: its start). */
  at(step: number, total: number): Overall {
    const done = this.weights.slice(0, Math.max(0, this.index)).reduce((a, b) => a + b, 0);
    const within = this.index >= 0 && total > 0 ? Math.min(1, Math.max(0, step / total)) * this.weights[this.index] : 0;
    const fraction = Math.min(1, done + within);
    const elapsed = (this.now() - this.start) / 1000;
    const etaSeconds = fraction >= 0.1 && fraction < 1 ? Math.max(0, (elapsed / fraction) * (1 - fraction)) : fraction >= 1 ? 0 : null;
    return { fraction, etaSeconds };
  }
}
