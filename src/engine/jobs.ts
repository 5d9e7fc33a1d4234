/**
 * The engine's jobs: what a caller asks of it (a scan, an export, a sample ranking) and the progress it reports
 * back. The engine owns these types so that it depends on no caller; src/protocol.ts re-exports them for the
 * messages that carry them between the extension host, the worker and the CLI.
 */
import type { ScanResult } from './result';
import type { ScanOptions } from './options';

/** Scan one model (engine/scan.ts runScan): unlearn, recover, prune, and write the report. */
export interface ScanRequest {
  model: string;
  data: string;
  cleanTest?: string;
  poisonTest?: string;
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
}
