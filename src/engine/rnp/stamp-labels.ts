/**
 * Which labels' recovered triggers the repair stamps: the smallest trigger's label (the candidate) and, after it, the
 * next smallest within a ratio of it. Why more than one: on Fashion-MNIST the "bag" class has a naturally small
 * trigger, and where it is smaller than the backdoor's own the repair stamped only the bag's and left the backdoor
 * at full strength (held-out: a checkerboard VGG and both exports of a blend VGG, ASR 100 % after; the checkerboard
 * fixture too). The other labels' triggers come from the sweep already run on the original model, so they cost no
 * search; stamping a harmless natural trigger costs little, since the repair's epoch choice stays within its
 * clean-data budget (rnp/repair.ts epochPreference).
 *
 * How the constants were chosen (REPAIR_DEFAULTS.otherLabels), from the cached sweeps of the zoo's train split and
 * the committed fixtures (19 backdoored scans): the target's rank by trigger size was 1st on 13, 2nd on one
 * (1.05× the smallest), 3rd on two (2.16×, 2.16×), 6th, 8th and 10th on the three WaNet scans (≥ 2.48×, warping
 * has no small patch for Neural Cleanse to find). Two more labels within 2.5× cover every target ranked in the first
 * three; covering the WaNet ones would mean stamping nearly every label.
 */
import type { NcResult } from '../evidence/neural-cleanse';

/**
 * The labels to stamp, the candidate first, then up to `count` others in increasing trigger size whose mask L1 is at
 * most `maxRatio` × the candidate's. Labels without a search (no samples outside them: `epochsRun` 0) never count.
 */
export function stampLabels(sweep: readonly Pick<NcResult, 'label' | 'maskL1' | 'epochsRun'>[], candidate: number, other: { count: number; maxRatio: number }): number[] {
  const base = sweep.find((r) => r.label === candidate);
  if (!base) throw new Error(`label ${candidate} is not in the trigger sweep`);
  const rest = sweep
    .filter((r) => r.label !== candidate && r.epochsRun > 0 && r.maskL1 <= other.maxRatio * base.maskL1)
    .sort((a, b) => a.maskL1 - b.maskL1 || a.label - b.label)
    .slice(0, Math.max(0, other.count))
    .map((r) => r.label);
  return [candidate, ...rest];
}
