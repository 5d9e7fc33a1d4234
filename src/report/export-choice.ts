/**
 * What the export button writes at a slider threshold, and the metrics that belong to it: the scan's repaired model
 * (its own threshold after an adaptive repair: the engine copies repaired.onnx), a prune-only model (any other
 * threshold, or a scan without repair), or nothing new (no channel pruned: the file would equal the original model,
 * so the export is disabled with that reason). Pure, so the panel and its tests share one rule.
 * Shared (src/report/): the extension host applies the same rule before it writes a file (scan-controller.ts), and
 * the panel (webview/report-view.ts) labels its export button with it; the metrics shown beside the slider are the
 * panel's alone (webview/shown-metrics.ts).
 */
import type { ScanResult } from '../engine/result';
import { thresholdText } from './threshold-text';

export type ExportKind = 'repaired' | 'prune-only' | 'unchanged';

export interface ExportChoice {
  kind: ExportKind;
  enabled: boolean;
  /** The export button's label. */
  button: string;
  /** One sentence: what the file will be (and, when disabled, why). */
  description: string;
}

type ResultPart = Pick<ScanResult, 'threshold' | 'repair' | 'verdict'>;

/**
 * The scan pruned nothing: its threshold is -1 (adaptive mode: the verdict is not backdoored, or the detected label
 * came from the trigger norms alone and only the repair changed the model; see `repair`).
 */
export function scanPrunedNothing(r: Pick<ScanResult, 'threshold'>): boolean {
  return r.threshold < 0;
}

/**
 * The slider sits on the scan's own threshold. Exact equality on purpose: the engine exports the repaired model only
 * for `threshold === result.threshold` (engine/scan.ts exportPruned), and the panel posts the slider's number as is.
 */
export function atScanThreshold(r: Pick<ScanResult, 'threshold'>, th: number): boolean {
  return th === r.threshold;
}

/**
 * The slider's reading, with the scan's own threshold restored: a range input keeps about 14 significant digits
 * (Chromium reads 0.3960457742214203 back as 0.39604577422142), so the exact value the engine compares with would
 * be lost to a round trip through the slider. No one means a threshold a millionth away from the scan's.
 */
export function sliderThreshold(r: Pick<ScanResult, 'threshold'>, value: number): number {
  return r.threshold >= 0 && Math.abs(value - r.threshold) < 1e-6 ? r.threshold : value;
}

export function exportChoice(r: ResultPart, th: number, prunedAtTh: number): ExportChoice {
  if (r.repair && atScanThreshold(r, th)) {
    const pruned = th < 0 ? 'no channel pruned' : `${prunedAtTh} channel${prunedAtTh === 1 ? '' : 's'} pruned at the scan's threshold ${thresholdText(th)}`;
    return {
      kind: 'repaired',
      enabled: true,
      button: 'Export repaired model',
      description: `Exports the repaired model: ${pruned}, then fine-tuned with the recovered trigger (see Repair). The original model is never modified.`,
    };
  }
  if (th < 0) {
    return {
      kind: 'unchanged',
      enabled: false,
      button: 'Export pruned model',
      description: `Nothing to export: the verdict is ${r.verdict}, so the scan pruned nothing and the exported model would be identical to the original. Move the slider to export a prune-only model at a threshold of your choice.`,
    };
  }
  if (prunedAtTh === 0) {
    return {
      kind: 'unchanged',
      enabled: false,
      button: 'Export pruned model',
      description: `At threshold ${thresholdText(th)} no channel is pruned: the exported model would be identical to the original. Move the slider higher to prune.`,
    };
  }
  const repairedElsewhere = !r.repair
    ? ''
    : r.threshold >= 0
      ? ` Only the scan's own threshold ${thresholdText(r.threshold)} exports the repaired model.`
      : " Only the scan's own choice (nothing pruned; Back to the scan) exports the repaired model.";
  return {
    kind: 'prune-only',
    enabled: true,
    button: 'Export pruned model',
    description: `Exports a prune-only model: ${prunedAtTh} channel${prunedAtTh === 1 ? '' : 's'} pruned at threshold ${thresholdText(th)}, no repair.${repairedElsewhere} The original model is never modified.`,
  };
}
