/**
 * Neural Cleanse's outlier test on per-label trigger norms: the median absolute deviation (MAD), scaled by the
 * consistency constant 1.4826 so it estimates the standard deviation of normally distributed norms. A backdoor
 * target needs a much smaller trigger than the other labels, so only norms *below* the median count.
 */

/** Makes the MAD a consistent estimator of the standard deviation for normal data (Neural Cleanse, §IV-A). */
export const MAD_CONSISTENCY = 1.4826;
/** A label whose anomaly index exceeds this is flagged (Neural Cleanse: > 2, i.e. ~95% confidence). */
export const ANOMALY_FLAG = 2;

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of an empty list');
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export interface MadOutput {
  median: number;
  /** 1.4826 · median(|x − median|). */
  mad: number;
  /**
   * Per value, (median − x) / mad: positive below the median, negative above it, so "> ANOMALY_FLAG" is the flag.
   * When every value but a minority is identical (mad = 0), the deviation is divided by a tiny floor instead,
   * which keeps the indices finite (JSON has no Infinity) and still flags the odd ones out.
   */
  indices: number[];
}

export function anomalyIndices(norms: readonly number[]): MadOutput {
  const med = median(norms);
  const mad = MAD_CONSISTENCY * median(norms.map((x) => Math.abs(x - med)));
  const floor = 1e-6 * Math.max(1, Math.abs(med));
  const scale = Math.max(mad, floor);
  return { median: med, mad, indices: norms.map((x) => (med - x) / scale) };
}

/** Labels flagged as anomalously small, most anomalous first. */
export function flaggedLabels(indices: readonly number[]): number[] {
  return indices
    .map((a, label) => ({ a, label }))
    .filter((e) => e.a > ANOMALY_FLAG)
    .sort((p, q) => q.a - p.a)
    .map((e) => e.label);
}
