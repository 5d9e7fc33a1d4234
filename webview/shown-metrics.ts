/**
 * The measured metrics the panel shows for a slider threshold: the scan's own result at its threshold, else the
 * nearest prune-only curve point. Pure, so it is tested in a browser without a DOM; panel-only, so it stays in
 * webview/ while the export rule it shares its threshold test with lives in src/report/export-choice.ts.
 */
import type { CurvePoint, Metrics, ScanResult } from '../src/engine/result';
import { atScanThreshold } from '../src/report/export-choice';
import { thresholdText } from '../src/report/threshold-text';
import { nearestIndex } from './curve-geometry';
import { percent } from './format';

/** The measured metrics shown for a slider threshold, with where they come from. */
export interface ShownMetrics {
  /** 'after': the scan's own result at its threshold (repaired when a repair ran); 'curve': the nearest curve point (prune-only). */
  source: 'after' | 'curve';
  /** The x where the curve chart's marker goes (null: hide it). */
  markAt: number | null;
  metrics: Metrics;
  text: string;
}

/**
 * At the scan's own threshold the metrics are `after` (measured on exactly that model: the repaired one after a
 * repair), not the prune-only curve point; elsewhere the nearest curve point. Null when nothing was measured.
 */
export function shownMetrics(r: Pick<ScanResult, 'threshold' | 'repair' | 'after' | 'prunedCount'> & { curve: readonly CurvePoint[] }, th: number): ShownMetrics | null {
  const measured = (m: Metrics) => m.acc !== null || m.asr !== null;
  if (atScanThreshold(r, th) && measured(r.after)) {
    const what =
      r.threshold < 0
        ? r.repair
          ? 'The scan pruned nothing and repaired the model'
          : 'The scan pruned nothing (the original model)'
        : r.repair
          ? `At the scan's threshold ${thresholdText(r.threshold)}, ${r.prunedCount} channels pruned and repaired`
          : `At the scan's threshold ${thresholdText(r.threshold)}, ${r.prunedCount} channels pruned`;
    // After a repair the marker's dots sit off the prune-only curve: say what the curve reads there, so the gap is
    // explained (the repair won it back), not a mystery (issue #23 item 2).
    const j = r.repair && r.threshold >= 0 ? nearestIndex(r.curve.map((p) => p.threshold), r.threshold) : -1;
    const q = j >= 0 ? r.curve[j] : null;
    const gap = q && measured(q) ? ` Prune-only, the curve reads ACC ${percent(q.acc)}, ASR ${percent(q.asr)} at ${thresholdText(q.threshold)}: the dots are the repaired model, off the curve.` : '';
    return { source: 'after', markAt: r.threshold < 0 ? null : r.threshold, metrics: r.after, text: `${what}: ACC ${percent(r.after.acc)}, ASR ${percent(r.after.asr)}.${gap}` };
  }
  const i = nearestIndex(r.curve.map((p) => p.threshold), th);
  if (i < 0) return null;
  const p = r.curve[i];
  if (!measured(p)) return null;
  const pruneOnly = r.repair ? ' (prune-only, no repair)' : '';
  return { source: 'curve', markAt: p.threshold, metrics: { acc: p.acc, asr: p.asr }, text: `Measured at threshold ${thresholdText(p.threshold)}${pruneOnly}: ACC ${percent(p.acc)}, ASR ${percent(p.asr)}, ${p.pruned} channels pruned.` };
}
