/**
 * The one message protocol of the product, imported by all three sides:
 *   extension host ⇄ worker (child process running the engine), and extension host ⇄ webview panel.
 * Every message that crosses a process or trust boundary is validated on arrival (see `isWebviewToHost`),
 * because the webview is treated as untrusted.
 */
import type { DatasetInfo, ScanResult } from './engine/result';
import type { SamplesOutput } from './engine/samples';
import type { BatchOutput, BatchProgress, BatchRequest, ExportRequest, Progress, SamplesRequest, ScanRequest } from './engine/jobs';
import type { ErrorCode } from './engine/errors';
import type { ScanHistory, ScanHistoryEntry } from './engine/scan-history';
import type { CompareRow } from './report/compare';
import type { ModelSummary } from './engine/model-summary';
import type { DataCheck, DataCheckRequest } from './engine/data-check';
import { NOTHING_PRUNED } from './engine/rnp/select';

// The engine owns its job types (engine/jobs.ts); the protocol carries them and re-exports them for its users.
export type { BatchOutput, BatchProgress, BatchRequest, ExportRequest, Phase, Progress, SamplesRequest, ScanRequest } from './engine/jobs';

// ───────────────────────── host → worker ─────────────────────────

export type HostToWorker =
  | { type: 'scan'; id: number; request: ScanRequest }
  | { type: 'export'; id: number; request: ExportRequest }
  | { type: 'samples'; id: number; request: SamplesRequest }
  /** A batch of scans (engine/batch.ts); `progress` messages carry the current model's scan, `batchProgress` the batch. */
  | { type: 'batch'; id: number; request: BatchRequest }
  /** What a model file is (engine/model-summary.ts), for the model editor: read and compiled, nothing run. */
  | { type: 'summary'; id: number; model: string }
  /** Does this defense data fit this model (engine/data-check.ts): loaded as a scan would, and the model measured on it. */
  | { type: 'dataCheck'; id: number; request: DataCheckRequest }
  | { type: 'cancel' };

// ───────────────────────── worker → host ─────────────────────────

export interface WorkerError {
  code: ErrorCode | 'INTERNAL';
  message: string;
  file: string | null;
}

export type WorkerToHost =
  | { type: 'progress'; id: number; progress: Progress }
  | { type: 'scanDone'; id: number; result: ScanResult; resultPath: string }
  | { type: 'exportDone'; id: number; path: string; acc: number | null; asr: number | null }
  | { type: 'samplesDone'; id: number; output: SamplesOutput }
  | { type: 'batchProgress'; id: number; progress: BatchProgress }
  /** Every entry's `finding` is filled in (read from scan.json for models reused from an earlier run). */
  | { type: 'batchDone'; id: number; output: BatchOutput }
  | { type: 'summaryDone'; id: number; summary: ModelSummary }
  | { type: 'dataCheckDone'; id: number; check: DataCheck }
  | { type: 'error'; id: number; error: WorkerError };

// ───────────────────────── host ⇄ webview ─────────────────────────

/** One tile of the suspicious-sample grid. */
export interface SampleTile {
  /** Index in the inspected dataset (file order). */
  index: number;
  score: number;
  /** The original model's prediction. */
  predicted: number;
  /** The label the inspected file gives it, null when it has none. */
  label: number | null;
  /** PNG data URL. */
  png: string;
}

/** What the panel shows of a `runSamples` run: the first tiles with pictures, every score for choosing a count. */
export interface SamplesReport {
  model: string;
  data: string;
  inspect: DatasetInfo;
  /** What the score is, in words. */
  score: string;
  /** Every sample's score, most suspicious first (the panel shows the score at any count the user picks). */
  rankedScores: number[];
  /** The count the panel proposes to flag (evidence/flag-count.ts). */
  proposedCount: number;
  /**
   * Only when the inspected .npz has `is_poison` flags: them, in rank order (1 = the file says poisoned), so the panel
   * measures the ranking at any count (src/report/ranking-quality.ts).
   */
  rankedPoison?: number[];
  /** With those flags: the whole ranking's AUROC against them (engine/samples.ts; null when one group is empty). */
  auroc?: number | null;
  /** The most suspicious samples, in rank order, with pictures: a prefix of the ranking. */
  tiles: SampleTile[];
}

export type HostToWebview =
  /**
   * `resultPath`: the scan.json the panel came from; the webview keeps it in its state so a reload can restore it.
   * `readOnly`: no host behind the page (the HTML report, src/report/html-report.ts): controls that need the
   * extension (export, inspect a data set) are hidden.
   */
  | { type: 'result'; result: ScanResult; resultPath?: string; readOnly?: boolean }
  /**
   * A scan of `model` started; progress messages follow. A report already shown stays, marked out of date, until
   * the new one arrives (or the scan fails or is cancelled, and it stays as it was).
   */
  | { type: 'scanning'; model: string }
  | { type: 'progress'; progress: Progress }
  /** `repaired`: the file is the scan's repaired model (its own threshold after a repair), else prune-only. */
  | { type: 'exported'; path: string; acc: number | null; asr: number | null; repaired?: boolean }
  /** The user closed the export's save dialog without choosing a file: nothing was written. */
  | { type: 'exportCancelled' }
  /** Ranking the samples of `inspect` started; progress messages follow. */
  | { type: 'inspecting'; model: string; inspect: string }
  | { type: 'samples'; report: SamplesReport }
  /** The flagged indices were written to `path`. */
  | { type: 'samplesExported'; path: string; count: number }
  /**
   * `context` 'samples': a failure of the sample ranking or its export (shown in the samples card); 'scan': the scan
   * that was running failed (a report shown stays, with the failure above it); none: the export's.
   */
  | { type: 'error'; message: string; context?: 'samples' | 'scan' }
  /** The scan that was running was cancelled: nothing was written, a report shown stays as it was. */
  | { type: 'cancelled' }
  /** The shown report's model's scans, newest first; `shown` is the report on screen (its resultPath), if listed. */
  | { type: 'history'; history: ScanHistory; shown: string | null }
  /** Two scans of the history side by side (src/report/compare.ts). */
  | { type: 'comparison'; a: ScanHistoryEntry; b: ScanHistoryEntry; rows: CompareRow[] }
  /** The shown report was saved as `path` (HTML or Markdown, from the panel's "Save report…"). */
  | { type: 'reportSaved'; path: string }
  /**
   * The model editor (a `.onnx` opened in VS Code): what the file is (null with `error` when it cannot be read), its
   * newest kept scan and how many are kept. `summary` null and `error` null: still reading.
   */
  | { type: 'model'; model: string; summary: ModelSummary | null; error: string | null; last: ScanHistoryEntry | null; reports: number };

export type WebviewToHost =
  | { type: 'ready' }
  | { type: 'export'; threshold: number }
  /** Ask the host to rank the samples of a dataset the user picks, with the shown report's model. */
  | { type: 'inspectSamples' }
  /**
   * Write the `count` most suspicious samples of the shown ranking to a JSON file. The host holds the ranking, so
   * the (untrusted) webview names only a count, never indices.
   */
  | { type: 'exportSamples'; count: number }
  /** Stop the running job (the panel's Cancel). */
  | { type: 'cancel' }
  /** Show the `index`th scan of the history the host last sent (an index, never a path: the webview is untrusted). */
  | { type: 'openHistory'; index: number }
  /** Compare the `a`th and `b`th scans of that history. */
  | { type: 'compareHistory'; a: number; b: number }
  /** Save the shown report as a self-contained HTML or a Markdown file (the host asks where, and which). */
  | { type: 'saveReport' }
  /** The model editor's buttons: scan the model it shows, open its newest report, check defense data for it. The host knows which model. */
  | { type: 'scanModel' }
  | { type: 'openModelReport' }
  | { type: 'checkModelData' };

/** The webview is untrusted: accept only well-formed messages. */
export function isWebviewToHost(m: unknown): m is WebviewToHost {
  if (typeof m !== 'object' || m === null) return false;
  const o = m as Record<string, unknown>;
  switch (o.type) {
    case 'ready':
      return Object.keys(o).length === 1;
    case 'export':
      // NOTHING_PRUNED: the scan's own choice of pruning nothing (exported only when the scan repaired the model).
      return typeof o.threshold === 'number' && Number.isFinite(o.threshold) && (o.threshold === NOTHING_PRUNED || (o.threshold >= 0 && o.threshold <= 1));
    case 'inspectSamples':
      return Object.keys(o).length === 1;
    case 'exportSamples':
      return Object.keys(o).length === 2 && Number.isSafeInteger(o.count) && (o.count as number) >= 1;
    case 'cancel':
      return Object.keys(o).length === 1;
    case 'openHistory':
      return Object.keys(o).length === 2 && isIndex(o.index);
    case 'compareHistory':
      return Object.keys(o).length === 3 && isIndex(o.a) && isIndex(o.b) && o.a !== o.b;
    case 'saveReport':
    case 'scanModel':
    case 'openModelReport':
    case 'checkModelData':
      return Object.keys(o).length === 1;
    default:
      return false;
  }
}

function isIndex(v: unknown): v is number {
  return Number.isSafeInteger(v) && (v as number) >= 0;
}
