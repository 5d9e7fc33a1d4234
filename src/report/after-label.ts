/**
 * What the scan's own model (`after` in the result) is, in a few words: the metrics table's row name in the panel
 * and in the Markdown report ("pruned at 0.38 and repaired", "after the scan (nothing pruned)").
 */
import type { ScanResult } from '../engine/result';
import { scanPrunedNothing } from './export-choice';
import { thresholdText } from './threshold-text';

export function afterRowLabel(r: Pick<ScanResult, 'threshold' | 'repair'>): string {
  if (scanPrunedNothing(r)) return r.repair ? 'repaired (nothing pruned)' : 'after the scan (nothing pruned)';
  return r.repair ? `pruned at ${thresholdText(r.threshold)} and repaired` : `pruned at ${thresholdText(r.threshold)}`;
}
