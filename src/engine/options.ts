/**
 * Scan options: every knob of RNP and the evidence passes, with the paper's values for `mode: 'paper'`
 * (the faithful reproduction of the authors' code, as `../shared/peer/rnp_torch.py` runs it).
 */

export type ScanMode = 'adaptive' | 'paper';
export type BackendChoice = 'auto' | 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';

export interface Preprocess {
  /** Per-channel mean subtracted after scaling uint8 to [0,1]; empty = none. */
  mean: number[];
  /** Per-channel std divided after the mean; empty = none. */
  std: number[];
}

export interface ScanOptions {
  mode: ScanMode;
  backend: BackendChoice;
  /** WebAssembly threads (0 = one per logical core, at most 8); fixed per process at the first wasm start. */
  threads: number;
  seed: number;
  batchSize: number;
  unlearnLr: number;
  unlearnMomentum: number;
  unlearnWeightDecay: number;
  unlearnEpochs: number;
  /** Unlearning stops once training accuracy on the defense data is at or below this. */
  cleanThreshold: number;
  recoverLr: number;
  recoverMomentum: number;
  recoverEpochs: number;
  alpha: number;
  /** Prune channels whose mask is <= this. `null` lets the adaptive mode choose from clean data. */
  pruneThreshold: number | null;
  preprocess: Preprocess;
  /**
   * Run trigger recovery: Neural Cleanse on every label of the original model (the MAD outlier test, the verdict's
   * second signal) and the detected label's trigger on the unlearned model. On by default in adaptive mode, where the
   * verdict gates pruning and the trigger drives the repair.
   */
  trigger: boolean;
  /**
   * Adaptive mode: after pruning a model found backdoored, fine-tune it briefly with trigger-stamped samples at their
   * true labels, pruned channels held at zero (rnp/repair.ts). Needs `trigger`.
   */
  repair: boolean;
  /** Adaptive mode: share of the defense data held out to choose the pruning threshold. */
  holdoutFraction: number;
  /** Adaptive mode: largest held-out clean-accuracy drop (fraction, 0.02 = 2 points) the chosen pruning may cost. */
  accuracyTolerance: number;
  /** Adaptive mode: global gradient-norm clip during unlearning. */
  maxGradNorm: number;
  /**
   * Adaptive mode: prune until the unlearned model gives the suspected target label at most this share of clean data.
   * Measured with the repair's adapted triggers (ACC / ASR after, BadNets, Blend, SIG): 0.15 → 88.3 / 3.8, 89.5 / 2.6,
   * 88.5 / 1.5; 0.2 → 88.9 / 3.8, 89.2 / 2.2, 90.0 / 1.1 (fewer channels pruned; the repair removes the rest).
   */
  targetShareLevel: number;
}

export const PAPER_DEFAULTS: ScanOptions = {
  mode: 'paper',
  backend: 'auto',
  threads: 0,
  seed: 98,
  batchSize: 128,
  unlearnLr: 0.01,
  unlearnMomentum: 0.9,
  unlearnWeightDecay: 5e-4,
  unlearnEpochs: 20,
  cleanThreshold: 0.2,
  recoverLr: 0.2,
  recoverMomentum: 0.9,
  recoverEpochs: 20,
  alpha: 0.2,
  pruneThreshold: 0.2,
  preprocess: { mean: [], std: [] },
  trigger: false,
  repair: false,
  holdoutFraction: 0.2,
  accuracyTolerance: 0.02,
  maxGradNorm: 5,
  targetShareLevel: 0.2,
};

/** Adaptive mode: the same RNP with clean-data safeguards; the threshold is chosen on held-out clean data. */
export const ADAPTIVE_DEFAULTS: ScanOptions = { ...PAPER_DEFAULTS, mode: 'adaptive', pruneThreshold: null, trigger: true, repair: true };

export function defaultOptions(mode: ScanMode = 'paper'): ScanOptions {
  return { ...(mode === 'adaptive' ? ADAPTIVE_DEFAULTS : PAPER_DEFAULTS), preprocess: { mean: [], std: [] } };
}
