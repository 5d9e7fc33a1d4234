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
