/**
 * The engine's jobs: what a caller asks of it (a scan, an export, a sample ranking) and the progress it reports
 * back. The engine owns these types so that it depends on no caller; src/protocol.ts re-exports them for the
 * messages that carry them between the extension host, the worker and the CLI.
 */
import type { ErrorCode } from './errors';
import type { Overall } from './overall-progress';
import type { ScanResult } from './result';
import type { ScanOptions } from './options';

/** Scan one model (engine/scan.ts runScan): unlearn, recover, prune, and write the report. */
export interface ScanRequest {
  model: string;
  data: string;
  cleanTest?: string;
  poisonTest?: string;
  /** A labels file (one class name per line, or JSON) the user named; else one beside the model or data is used if found. */
  labels?: string;
  /** Folder for scan.json and (unless exported elsewhere) NAME.pruned.onnx. */
  outDir: string;
  options: Partial<ScanOptions>;
  /** Write NAME.pruned.onnx at the chosen threshold. */
  writePruned: boolean;
  /** Folder for NAME.pruned.onnx (default: beside the model). */
  prunedDir?: string;
}

/** Write the model of a finished scan pruned at a threshold (engine/scan.ts exportPruned). */
export interface ExportRequest {
  model: string;
  /** scan.json to take the masks from. */
  result: ScanResult;
  threshold: number;
  /** Destination path; written atomically, never equal to the model. */
  dest: string;
}

/** Rank the samples of `inspect` by suspicion (engine/samples.ts) after unlearning on `data`. */
export interface SamplesRequest {
  model: string;
  data: string;
  inspect: string;
  options: Partial<ScanOptions>;
  /** How many of the most suspicious samples get a thumbnail (the panel's grid shows only those). */
  previews: number;
}

/** The stage of a job that a progress report is about. */
export type Phase = 'load' | 'unlearn' | 'recover' | 'prune' | 'evaluate' | 'evidence' | 'repair' | 'export';

/** One progress report of a running job. */
export interface Progress {
  phase: Phase;
  /** 1-based epoch (or step) within the phase, and the planned total; 0/0 when not applicable. */
  step: number;
  total: number;
  /** Training accuracy in unlearn/recover, when known. */
  acc?: number;
  message: string;
  /** A scan's share done and ETA over all its stages (overall-progress.ts); absent for other jobs. */
  overall?: Overall;
}

// ───────────── a batch of scans (engine/batch.ts runBatch; `rnp-scan batch`, "Scan Folder for Backdoors") ─────────────

export interface Shard {
  /** 0-based. */
  index: number;
  count: number;
}

export interface BatchRequest {
  /** Folders (searched recursively) and model files. */
  inputs: string[];
  data: string;
  cleanTest?: string;
  poisonTest?: string;
  /** Gets results.jsonl and one folder per model. */
  outDir: string;
  options: Partial<ScanOptions>;
  /** Write NAME.pruned.onnx into each model's folder. */
  writePruned: boolean;
  shard?: Shard | null;
}

export type BatchStatus = 'done' | 'error';

/** One line of results.jsonl (a contract: scripts read it; add fields, never rename them). */
export interface BatchRow {
  /** The model's path relative to the batch's common root, with forward slashes. */
  model: string;
  /** SHA-256 of the model file as scanned; null when it could not be read. */
  sha256: string | null;
  verdict: ScanResult['verdict'] | null;
  detectedLabel: number | null;
  status: BatchStatus;
  /** The one line the single-model CLI prints after `rnp-scan: ` (null when done). */
  error: string | null;
  /** The error's code (MODEL_INVALID, …, INTERNAL); null when done. */
  code: ErrorCode | 'INTERNAL' | null;
  /** Wall-clock seconds of this model's scan. */
  seconds: number;
  /** Hash of the resolved options and data files: a row is reused only for the same settings. */
  config: string;
  /** "I/N" of the process that wrote the row, null without --shard. */
  shard: string | null;
  /** ISO time the row was written. */
  at: string;
}

export interface BatchModel {
  /** Absolute path. */
  path: string;
  /** Relative to the common root, forward slashes. */
  rel: string;
}

/** What the SARIF and the summaries need of a finished scan, without keeping whole results in memory. */
export interface BatchFinding {
  verdict: ScanResult['verdict'];
  detectedLabel: number | null;
  confidence: number;
  evidence: string[];
  before: ScanResult['before'];
  after: ScanResult['after'];
}

export interface BatchEntry {
  model: BatchModel;
  row: BatchRow;
  /** Done by an earlier run and reused. */
  skipped: boolean;
  /** scan.json of a done model. */
  resultPath: string | null;
  /** Only for a model scanned in this run; load a skipped one's with `loadFinding`. */
  finding: BatchFinding | null;
}

export interface BatchOutput {
  root: string;
  outDir: string;
  resultsPath: string;
  /** Every model found, before sharding. */
  discovered: number;
  /** This shard's models, in order, each with its row. */
  entries: BatchEntry[];
  /** Lines of results.jsonl that did not parse and were ignored. */
  ignoredLines: number;
  seconds: number;
}

/** Where a running batch stands (the worker sends it to the extension after every model). */
export interface BatchProgress {
  /** Models finished (done, failed or reused) of `total` (this shard's). */
  done: number;
  total: number;
  /** Seconds left, from the mean time of the models scanned so far (null before the first). */
  etaSeconds: number | null;
  /** The model being scanned now (relative path), null between models. */
  current: string | null;
  /** The row of the model that just finished, if any. */
  row: BatchRow | null;
}
