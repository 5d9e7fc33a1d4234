/**
 * What the scan's stages share: the loaded model and data, the resolved options and plan, the hooks, and the state
 * each stage adds its part to. A stage reads what earlier stages produced from `state` and returns its own part;
 * `runScan` merges it in. Keeping the whole pipeline's state in one typed place is what lets a stage be replaced,
 * skipped or replayed from a cache without touching the others.
 */
import type { ClassNames } from '../data/class-names';
import type { Dataset } from '../data/dataset';
import type { Program } from '../graph/program';
import type { IrGraph } from '../onnx/ir';
import type { Phase, Progress, ScanRequest } from '../jobs';
import type { ScanOptions } from '../options';
import type { ScanPlan, StageName } from '../plan';
import type { CurvePoint, EpochStat, LabelScore, Metrics, PhaseSeconds, RepairInfo, ScanResult, TriggerResult, BackendInfo } from '../result';
import type { Rng } from '../train/random';
import type { LabelVerdict } from '../evidence/label';
import type { TriggerEvidence } from '../evidence/trigger-evidence';
import type { PruneOutput } from '../rnp/prune';
import type { StageCache } from './cache';

export interface ScanHooks {
  onProgress?: (p: Progress) => void;
  /** Aborting stops the scan at the next batch boundary with a CancelledError; nothing is left on disk. */
  signal?: AbortSignal;
  /** Replays stages whose inputs are unchanged (the zoo bench); see stages/cache.ts. */
  cache?: StageCache;
  /**
   * Bench only (bench/repair-study.ts): the repair runs exactly `epochs` epochs (no patience) and records the test
   * sets' ACC / ASR after each (RepairEpoch.test), so that rules for choosing the epoch can be compared offline on
   * the zoo's train split. The choice itself never reads them.
   */
  studyRepair?: { epochs: number };
  /** The memory the scan's tensors may take, instead of the machine's (train/batch-fit.ts memoryLimitBytes): tests. */
  memoryLimitBytes?: number;
}

/** Everything the stages produce, each field set by the stage named beside it. */
export interface ScanState {
  /** evaluate-before */
  before: Metrics;
  /** unlearn: the stream recovery and the repair continue; the training part of the defense data; the hold-out. */
  rng: Rng;
  trainSet: Dataset;
  holdout: Dataset | null;
  unlearnHistory: EpochStat[];
  /** unlearn: how the adaptive loop stopped, in words (already in the notes). */
  unlearnNote: string | null;
  /** unlearn: the unlearned model's predictions over the defense data (RNP Algorithm 1's label evidence). */
  labelHistogram: number[];
  /** recover */
  masks: Float32Array[];
  recoverHistory: EpochStat[];
  /** evidence (null without the trigger search) */
  triggerEvidence: TriggerEvidence | null;
  trigger: TriggerResult | null;
  /** verdict */
  label: LabelVerdict;
  labelScores: LabelScore[];
  verdictFeatures: Record<string, number>;
  /** select */
  threshold: number;
  thresholdSource: ScanResult['thresholdSource'];
  thresholdCandidates: ScanResult['thresholdCandidates'];
  /** prune */
  pruned: PruneOutput;
  /** curve */
  curve: CurvePoint[];
  /** repair */
  repaired: { info: Omit<RepairInfo, 'model' | 'modelSha256'>; weights: Map<string, Float32Array> } | null;
  /** evaluate-after */
  after: Metrics;
  /** write */
  result: ScanResult;
  resultPath: string;
}

export interface ScanContext {
  readonly req: ScanRequest;
  readonly o: ScanOptions;
  readonly plan: ScanPlan;
  readonly hooks: ScanHooks;
  readonly backend: BackendInfo;
  readonly program: Program;
  readonly graph: IrGraph;
  /** The model file's bytes (the exports rewrite its initializers) and their sha256. */
  readonly bytes: Uint8Array;
  readonly modelSha256: string;
  readonly defense: Dataset;
  readonly cleanTest: Dataset | null;
  readonly poisonTest: Dataset | null;
  /** The classes' names, when a labels file or the data named them (data/class-names.ts). */
  readonly classes: ClassNames | null;
  /** Plain-language notes for the report, in the order the stages add them. */
  readonly notes: string[];
  readonly seconds: PhaseSeconds;
  state: Partial<ScanState>;
  report(phase: Phase, step: number, total: number, message: string, acc?: number): void;
}

/** One stage of the pipeline (plan.ts names them; stages/index.ts lists them). */
export interface Stage {
  name: StageName;
  /** The phase its time is counted in (scan.json's `seconds`). */
  phase: Exclude<keyof PhaseSeconds, 'total'>;
  run(ctx: ScanContext): Promise<Partial<ScanState>>;
  /** What it contributes when the plan says `never` (default: nothing). */
  skipped?(ctx: ScanContext): Partial<ScanState>;
  /**
   * Stages worth replaying (the expensive ones whose output is data, not files): what besides the earlier stages
   * decides their output (hashed into the cache key), and how their part is stored and restored.
   */
  cache?: {
    inputs(ctx: ScanContext): unknown;
    save(part: Partial<ScanState>, ctx: ScanContext): unknown | Promise<unknown>;
    load(saved: unknown, ctx: ScanContext): Partial<ScanState>;
  };
}

/** A field a stage needs from an earlier one (a missing one is a bug in the stage order, not the user's input). */
export function need<K extends keyof ScanState>(ctx: ScanContext, k: K): ScanState[K] {
  const v = ctx.state[k];
  if (v === undefined) throw new Error(`scan stage order: ${String(k)} is not set yet`);
  return v as ScanState[K];
}
