/**
 * The engine's entry points: one scan (load → unlearn → recover → prune → evaluate → evidence → write), and the
 * export of a pruned model at a chosen threshold from a saved result. The CLI and the worker call only these.
 */
import type { ExportRequest, Progress, ScanRequest } from '../protocol';
import type { ScanResult } from './result';

export interface ScanHooks {
  onProgress?: (p: Progress) => void;
  /** Aborting stops the scan at the next batch boundary with a CancelledError; nothing is left on disk. */
  signal?: AbortSignal;
}

export interface ScanOutput {
  result: ScanResult;
  /** Where scan.json was written. */
  resultPath: string;
}

export interface ExportOutput {
  path: string;
  /** Accuracy / attack success of the exported model on the scan's test sets (null where not given). */
  acc: number | null;
  asr: number | null;
}

export async function runScan(_req: ScanRequest, _hooks: ScanHooks = {}): Promise<ScanOutput> {
  throw new Error('runScan: not implemented yet');
}

export async function exportPruned(_req: ExportRequest, _hooks: ScanHooks = {}): Promise<ExportOutput> {
  throw new Error('exportPruned: not implemented yet');
}
