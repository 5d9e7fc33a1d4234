/** Wording and arithmetic of the suspicious-sample card (pure, tested in the browser without a DOM). */
import type { SampleTile } from '../src/protocol';

/** A count the user typed, as a whole number from 1 to total. */
export function clampCount(v: number, total: number): number {
  if (total <= 0) return 0;
  return Math.max(1, Math.min(total, Math.round(Number.isFinite(v) ? v : 1)));
}

function scoreText(s: number): string {
  // Scores of poisoned samples sit near 0 (−1e-5): fixed decimals would show them all as −0.0000.
  return s === 0 ? '0' : Math.abs(s) < 1e-3 ? s.toExponential(1) : s.toFixed(3);
}

/** "12 of 1000 flagged (score ≥ −3.2e-4); proposed 102". */
export function flagSummary(count: number, ranked: readonly number[], proposed: number): string {
  const at = ranked[count - 1];
  const cut = typeof at === 'number' ? ` (score ≥ ${scoreText(at)})` : '';
  return `${count} of ${ranked.length} flagged${cut}; proposed ${proposed}`;
}

/** Caption lines of a tile: which sample, its score, what the original model predicts (and its file label). */
export function tileCaption(t: Pick<SampleTile, 'index' | 'score' | 'predicted' | 'label'>): string[] {
  // Short enough for a 64-pixel tile: "pred" is the original model's prediction, "label" the file's.
  return [`#${t.index} · ${scoreText(t.score)}`, t.label === null ? `pred ${t.predicted}` : `pred ${t.predicted} · label ${t.label}`];
}

/**
 * The scores' histogram, on the scale that separates them: scores that are all ≤ 0 (−KL, poisoned ones near 0) on
 * log10 of their magnitude, where 1e-12 and 1e-2 are far apart; other scores linearly. `at(score)` places a score in
 * [0, 1] along that axis, rising with suspicion (higher score = further right).
 */
export interface ScoreBins {
  counts: number[];
  scale: 'log-magnitude' | 'linear';
  /** The axis ends, in the scale's own units (log10 |score|, or the score). */
  lo: number;
  hi: number;
  at(score: number): number;
}

const LOG_FLOOR = 1e-15;

export function scoreBins(scores: readonly number[], bins = 30): ScoreBins {
  const log = scores.length > 0 && scores.every((s) => s <= 0);
  // log10 |s| falls as a score rises towards 0: negate it so that the axis still rises with suspicion.
  const t = (s: number) => (log ? -Math.log10(Math.max(LOG_FLOOR, -s)) : s);
  const vs = scores.map(t);
  const lo = vs.length ? Math.min(...vs) : 0;
  const hi = vs.length ? Math.max(...vs) : 1;
  const span = hi > lo ? hi - lo : 1;
  const at = (s: number) => Math.min(1, Math.max(0, (t(s) - lo) / span));
  const counts = new Array<number>(bins).fill(0);
  for (const v of vs) counts[Math.min(bins - 1, Math.floor(((v - lo) / span) * bins))]++;
  return { counts, scale: log ? 'log-magnitude' : 'linear', lo, hi, at };
}
