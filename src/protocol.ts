/**
 * The one message protocol of the product, imported by all three sides:
 *   extension host ⇄ worker (child process running the engine), and extension host ⇄ webview panel.
 * Every message that crosses a process or trust boundary is validated on arrival (see `isWebviewToHost`),
 * because the webview is treated as untrusted.
 */
import type { ScanResult } from './engine/result';
import type { ScanOptions } from './engine/options';
import type { ErrorCode } from './engine/errors';

// ───────────────────────── host → worker ─────────────────────────

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

export interface ExportRequest {
  model: string;
  /** scan.json to take the masks from. */
  result: ScanResult;
  threshold: number;
  /** Destination path; written atomically, never equal to the model. */
  dest: string;
}

export type HostToWorker =
  | { type: 'scan'; id: number; request: ScanRequest }
  | { type: 'export'; id: number; request: ExportRequest }
  | { type: 'cancel' };

// ───────────────────────── worker → host ─────────────────────────

export type Phase = 'load' | 'unlearn' | 'recover' | 'prune' | 'evaluate' | 'evidence' | 'export';

export interface Progress {
  phase: Phase;
  /** 1-based epoch (or step) within the phase, and the planned total; 0/0 when not applicable. */
  step: number;
  total: number;
  /** Training accuracy in unlearn/recover, when known. */
  acc?: number;
  message: string;
}

export interface WorkerError {
  code: ErrorCode | 'INTERNAL';
  message: string;
  file: string | null;
}

export type WorkerToHost =
  | { type: 'progress'; id: number; progress: Progress }
  | { type: 'scanDone'; id: number; result: ScanResult; resultPath: string }
  | { type: 'exportDone'; id: number; path: string; acc: number | null; asr: number | null }
  | { type: 'error'; id: number; error: WorkerError };

// ───────────────────────── host ⇄ webview ─────────────────────────

export type HostToWebview =
  /** `resultPath`: the scan.json the panel came from; the webview keeps it in its state so a reload can restore it. */
  | { type: 'result'; result: ScanResult; resultPath?: string }
  /** A scan of `model` started; progress messages follow. */
  | { type: 'scanning'; model: string }
  | { type: 'progress'; progress: Progress }
  | { type: 'exported'; path: string; acc: number | null; asr: number | null }
  | { type: 'error'; message: string };

export type WebviewToHost =
  | { type: 'ready' }
  | { type: 'export'; threshold: number }
  | { type: 'exportSamples'; indices: number[] };

/** The webview is untrusted: accept only well-formed messages. */
export function isWebviewToHost(m: unknown): m is WebviewToHost {
  if (typeof m !== 'object' || m === null) return false;
  const o = m as Record<string, unknown>;
  switch (o.type) {
    case 'ready':
      return Object.keys(o).length === 1;
    case 'export':
      return typeof o.threshold === 'number' && Number.isFinite(o.threshold) && o.threshold >= 0 && o.threshold <= 1;
    case 'exportSamples':
      return (
        Array.isArray(o.indices) &&
        o.indices.length <= 1_000_000 &&
        o.indices.every((i) => Number.isInteger(i) && (i as number) >= 0)
      );
    default:
      return false;
  }
}
