/**
 * Choosing the pruning threshold from clean data only. The reference sweeps thresholds and keeps the one with the
 * lowest ASR on *poisoned* test data, which a real user does not have. Here: walk the candidate thresholds upwards
 * (pruning more and more of the lowest-mask channels, where the backdoor lives) and keep the largest one before
 * held-out clean accuracy first drops more than `tolerance` below the unpruned model's.
 */

/** The threshold that prunes no channel (masks live in [0, 1] and 0 is common). */
export const NOTHING_PRUNED = -1;

export interface ThresholdCandidate {
  threshold: number;
  pruned: number;
  acc: number;
}

export interface ThresholdChoice {
  threshold: number;
  pruned: number;
  /** Held-out clean accuracy of the unpruned and of the chosen model. */
  baseAcc: number;
  acc: number;
  candidates: ThresholdCandidate[];
}

/**
 * Candidate thresholds: every distinct mask value below 1 (pruning exactly the channels at or below it), thinned to at
 * most `maxCandidates` by rank so large models stay cheap.
 */
export function candidateThresholds(masks: readonly ArrayLike<number>[], maxCandidates = 64): number[] {
  const all: number[] = [];
  for (const m of masks) for (let i = 0; i < m.length; i++) if (m[i] < 1) all.push(m[i]);
  all.sort((a, b) => a - b);
  const distinct = all.filter((v, i) => i === 0 || v !== all[i - 1]);
  if (distinct.length <= maxCandidates) return distinct;
  const out: number[] = [];
  for (let k = 1; k <= maxCandidates; k++) out.push(distinct[Math.round((k / maxCandidates) * (distinct.length - 1))]);
  return out.filter((v, i) => i === 0 || v !== out[i - 1]);
}

/**
 * `evaluate(threshold)` returns {pruned, acc} of the original model pruned at that threshold, on held-out clean data.
 * `evaluate(-1)` must be the unpruned model.
 */
export async function chooseThreshold(
  thresholds: readonly number[],
  evaluate: (threshold: number) => Promise<{ pruned: number; acc: number }> | { pruned: number; acc: number },
  tolerance: number,
): Promise<ThresholdChoice> {
  const base = await evaluate(-1);
  const candidates: ThresholdCandidate[] = [];
  // Until a candidate passes, the choice is "prune nothing": threshold -1 lies below every mask (masks can be 0).
  let chosen: ThresholdCandidate = { threshold: NOTHING_PRUNED, pruned: 0, acc: base.acc };
  for (const t of thresholds) {
    const r = await evaluate(t);
    const c = { threshold: t, pruned: r.pruned, acc: r.acc };
    candidates.push(c);
    if (r.acc < base.acc - tolerance) break;
    chosen = c;
  }
  return { threshold: chosen.threshold, pruned: chosen.pruned, baseAcc: base.acc, acc: chosen.acc, candidates };
}
