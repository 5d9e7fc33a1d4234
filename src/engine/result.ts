/**
 * The one ScanResult type. The engine builds it, the CLI prints it (`--json`) and writes it as `scan.json`,
 * the worker sends it to the extension, and the webview renders it. Field names are a public contract
 * (scripts depend on them, see README "Command line"): add fields, never rename them.
 */
import type { ScanMode, ScanOptions } from './options';
import type { ScanPlan } from './plan';

export type BackendName = 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';

export interface BackendInfo {
  name: BackendName;
  /** Why this backend ran (e.g. "tfjs-node not installed; wasm SIMD available"). */
  reason: string;
  /** The GPU adapter, when the backend is WebGPU. */
  adapter?: GpuAdapter;
}

/** The adapter a WebGPU scan ran on (engine/webgpu.ts), as the report and the panel name it. */
export interface GpuAdapter {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** Dawn's backend under WebGPU: 'vulkan', 'opengles', 'metal' or 'd3d12'. */
  api: string;
  /** A CPU rasteriser (llvmpipe, lavapipe, SwiftShader, WARP) rather than a GPU. */
  software: boolean;
}

/** Clean accuracy and attack success rate; null where that test set was not given. */
export interface Metrics {
  acc: number | null;
  asr: number | null;
}

export interface CurvePoint extends Metrics {
  threshold: number;
  pruned: number;
}

/** Where a layer's masks sit: the BatchNormalization scale, or (BN folded by the exporter) a conv's output channels. */
export type { MaskSiteKind } from './mask-site';
import type { MaskSiteKind } from './mask-site';

export interface LayerMasks {
  /** ONNX node name of the BatchNormalization (or Conv when BN was folded). */
  name: string;
  kind: MaskSiteKind;
  /** Final mask value per channel, in [0, 1]. */
  masks: number[];
}

export interface EpochStat {
  epoch: number;
  /** Training accuracy on the defense data during that epoch. */
  acc: number;
  loss: number;
}

export interface LabelScore {
  label: number;
  /** Share of the defense data the unlearned model predicts as this label. */
  unlearnedShare: number;
  /** L1 norm of the reverse-engineered trigger mask for this label (null when trigger recovery did not run). */
  triggerNorm: number | null;
  /** MAD anomaly index of a small trigger norm (Neural Cleanse; > 2 flags). */
  anomalyIndex: number | null;
}

/**
 * The detected label's trigger, recovered with the unlearned model: Neural Cleanse's search on the unlearned model,
 * then the same search on the original model started from that mask and pattern.
 */
export interface TriggerResult {
  label: number;
  maskL1: number;
  /** Attack success of the recovered trigger on the original model, over the defense data (not of that label). */
  asrOnOriginal: number;
  /** data: URLs (PNG). */
  maskPng: string;
  patternPng: string;
  stampedPng: string;
  /** The sample of `stampedPng` before stamping (absent in reports written before it was kept). */
  cleanPng?: string;
  /**
   * The search on the unlearned model alone, before it was finished on the original model (the trigger above starts
   * from its mask and pattern).
   */
  unlearnedSearch?: { maskL1: number; asrOnOriginal: number };
  /** The same optimisation run on the original model from a blank start, for comparison (the paper's claim: the unlearned model's is cleaner). */
  fromOriginal?: { maskL1: number; asrOnOriginal: number; maskPng: string; patternPng: string };
}

/** One epoch of the adaptive repair (rnp/repair.ts), measured on the held-out clean data; epoch 0 = the pruned model. */
export interface RepairEpoch {
  epoch: number;
  holdoutAcc: number;
  /** Share of held-out samples (not of the label) that the recovered trigger sends to its label. */
  holdoutTriggerSuccess: number;
  /** Mean KL(original model ‖ this model) over the held-out samples: how far the repair strayed from the original. */
  holdoutDivergence: number;
  /**
   * Only in a repair study (ScanHooks.studyRepair, bench/repair-study.ts): the test sets' ACC / ASR after this epoch.
   * The epoch choice never reads them; a scan does not measure them.
   */
  test?: Metrics;
}

/**
 * The adaptive mode's repair of the pruned model: a short fine-tune with trigger-stamped samples kept at their true
 * labels, pruned channels held at zero. `after` and the exported model at `threshold` are the repaired model; other
 * thresholds on the curve are prune-only.
 */
export interface RepairInfo {
  /** The label whose recovered triggers were stamped, and the models they were recovered from. */
  triggerLabel: number;
  triggerSources: ('unlearned' | 'original')[];
  /**
   * The next-smallest triggers' labels whose sweep triggers (searched on the original model) were stamped too, in
   * increasing trigger size (rnp/stamp-labels.ts); empty when no other label's trigger was close to the smallest,
   * absent in reports written before they were stamped.
   */
  otherLabels?: number[];
  epochs: RepairEpoch[];
  /** The epoch kept (0 = the pruned model itself). */
  chosenEpoch: number;
  /** The original model's accuracy on the hold-out, which the kept epoch's budget is against (absent in older reports). */
  holdoutOriginalAcc?: number;
  /** The repaired model (full ONNX, the original's graph), in the scan's output folder; export copies it. */
  model: string;
  modelSha256: string;
}

export interface DatasetInfo {
  path: string;
  count: number;
  /** NCHW per sample: [C, H, W]. */
  shape: number[];
}

export interface PhaseSeconds {
  load: number;
  unlearn: number;
  recover: number;
  prune: number;
  evaluate: number;
  evidence: number;
  repair: number;
  total: number;
}

export interface ScanResult {
  schema: 1;
  tool: { name: 'rnp-scan'; version: string };
  model: string;
  modelSha256: string;
  backend: BackendInfo;
  mode: ScanMode;
  options: ScanOptions;
  /** Which stages ran, with which settings, and why (plan.ts); absent in reports written before the plan existed. */
  plan?: ScanPlan;
  verdict: 'backdoored' | 'clean' | 'inconclusive';
  /**
   * The backdoor's target label: with the trigger search, the smallest trigger's label when the verdict is backdoored
   * and that trigger clearly stands out or the unlearned model backs it too (else null: unknown); without it, the
   * unlearned model's majority (Algorithm 1).
   */
  detectedLabel: number | null;
  /**
   * The fitted verdict model's inputs and output (evidence/verdict-model.ts); null when no trigger search ran. The
   * candidate is the label whose triggers the repair stamps, whatever the verdict.
   */
  verdictScore?: { probability: number; candidate: number; features: Record<string, number> } | null;
  /** How sure the label/verdict is, in [0, 1], and the reasons in words. */
  confidence: number;
  evidence: string[];
  /** Pruning threshold used for `after` and the exported model. */
  threshold: number;
  /**
   * How the threshold was chosen: given (paper mode / --threshold), or from clean data in adaptive mode
   * ('clean-data', rnp/select-adaptive.ts: the clean-accuracy budget, and the unlearned model's pull towards a named
   * label). 'target-share' is how reports before #20 chose it. -1 = nothing pruned.
   */
  thresholdSource: 'fixed' | 'clean-data' | 'target-share';
  /**
   * Adaptive mode: every threshold tried, in order, with its pruned count, the pruned original model's clean accuracy
   * on the hold-out and the unlearned model's share of the named label (null where not measured).
   */
  thresholdCandidates: { threshold: number; pruned: number; acc?: number | null; targetShare: number | null }[];
  prunedCount: number;
  totalChannels: number;
  maskSite: MaskSiteKind;
  /** Plain-language notes (e.g. "BatchNorm was folded into Conv by the exporter: masks sit on conv outputs"). */
  notes: string[];
  layers: LayerMasks[];
  before: Metrics;
  after: Metrics;
  curve: CurvePoint[];
  unlearnHistory: EpochStat[];
  recoverHistory: EpochStat[];
  /** Counts of the unlearned model's predictions over the defense data, per label. */
  labelHistogram: number[];
  labelScores: LabelScore[];
  trigger: TriggerResult | null;
  /** Adaptive mode with a trigger recovered: the repair that followed pruning (whatever the verdict); else null. */
  repair: RepairInfo | null;
  prunedModel: string | null;
  /** sha256 of the exported model as written (a reader checks the file is the one this report describes). */
  prunedModelSha256?: string | null;
  numClasses: number;
  /**
   * The classes' names, index = label, from a labels file or the data (engine/data/class-names.ts); null when none
   * were found, absent in reports written before names were read.
   */
  classNames?: string[] | null;
  /** The file (or image folder) the names came from. */
  classNamesSource?: string | null;
  data: { defense: DatasetInfo; cleanTest: DatasetInfo | null; poisonTest: DatasetInfo | null };
  seconds: PhaseSeconds;
}
