/**
 * How a pruning threshold is written for people. Shared (src/report/): the panel shows it on the slider, the curve
 * and the export button, and the extension host puts the same text in the save dialog's title, so both sides must
 * print one number the same way.
 */

/** Two decimals for round thresholds (0.20), three where that would hide a difference (0.396). */
export function thresholdText(t: number): string {
  const two = t.toFixed(2);
  return Math.abs(Number(two) - t) < 5e-5 ? two : t.toFixed(3);
}
