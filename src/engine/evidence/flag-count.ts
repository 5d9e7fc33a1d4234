/**
 * How many of the ranked samples to propose flagging as poisoned. The suspicion score is −KL(p_original ‖
 * p_unlearned): poisoned samples sit near 0 (KL ~1e-5), clean ones far below (KL ~1..10), so on a log scale the
 * scores fall into two groups. The proposal is Otsu's split of log10(KL) over the ranking: the cut that maximises
 * the between-group variance. It is a starting point for the user, who can change the count in the panel.
 */

/** Floor for KL before the logarithm (a score of exactly 0 would be −∞). */
const KL_FLOOR = 1e-12;

/**
 * `ranked`: scores sorted from most to least suspicious (descending). Returns k in [0, n]: flag the first k.
 * Fewer than two samples, or all scores equal, propose nothing.
 */
export function proposeFlagCount(ranked: readonly number[]): number {
  const n = ranked.length;
  if (n < 2) return 0;
  const v = ranked.map((s) => Math.log10(Math.max(-s, KL_FLOOR)));
  let total = 0;
  for (const x of v) total += x;
  let best = 0;
  let bestK = 0;
  let prefix = 0;
  for (let k = 1; k < n; k++) {
    prefix += v[k - 1];
    const meanA = prefix / k;
    const meanB = (total - prefix) / (n - k);
    const between = k * (n - k) * (meanA - meanB) ** 2;
    // Ties between equal scores must not be split: cut only where the score changes.
    if (between > best && ranked[k] !== ranked[k - 1]) {
      best = between;
      bestK = k;
    }
  }
  return bestK;
}
