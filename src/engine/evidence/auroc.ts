/**
 * Area under the ROC curve of a suspicion score against known poison flags: the probability that a random poisoned
 * sample scores higher than a random clean one (ties count one half). The Mann–Whitney form, O(n log n).
 */

export function auroc(scores: ArrayLike<number>, isPositive: ArrayLike<boolean | number>): number {
  const n = scores.length;
  if (isPositive.length !== n) throw new Error(`auroc: ${n} scores but ${isPositive.length} labels`);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let rankSumPos = 0;
  let positives = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]] === scores[order[i]]) j++;
    const avgRank = (i + j) / 2 + 1; // ties share their average rank
    for (let k = i; k <= j; k++) {
      if (isPositive[order[k]]) {
        rankSumPos += avgRank;
        positives++;
      }
    }
    i = j + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) throw new Error('auroc needs both positive and negative samples');
  return (rankSumPos - (positives * (positives + 1)) / 2) / (positives * negatives);
}
