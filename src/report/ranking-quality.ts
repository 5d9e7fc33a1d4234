/**
 * How good a suspicious-sample ranking is at the count the user flags, against the `is_poison` flags a data set may
 * carry (issue #23 item 9): precision (share of the flagged that the file marks poisoned) and recall (share of the
 * marked that are flagged). The whole ranking's AUROC comes from the engine (evidence/auroc.ts). Pure, shared by
 * the panel and tests.
 */

export interface RankingQuality {
  poisoned: number;
  total: number;
  /** The count measured at (clamped to the ranking). */
  flagged: number;
  precision: number;
  recall: number;
}

/** `rankedPoison`: 1 where the file marks the sample poisoned, in rank order (most suspicious first). */
export function rankingQuality(rankedPoison: readonly number[], count: number): RankingQuality {
  const total = rankedPoison.length;
  const poisoned = rankedPoison.reduce((a, b) => a + b, 0);
  const flagged = Math.max(0, Math.min(total, Math.floor(count)));
  let hits = 0;
  for (let i = 0; i < flagged; i++) hits += rankedPoison[i];
  return { poisoned, total, flagged, precision: flagged ? hits / flagged : 0, recall: poisoned ? hits / poisoned : 0 };
}
