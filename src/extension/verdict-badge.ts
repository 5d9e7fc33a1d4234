/**
 * What the explorer shows on a scanned model file: a badge, a colour and a tooltip from its newest report (issue #23
 * item 12, "VS Code does not know the verdict"). Free of the `vscode` module so it is tested under plain Node; the
 * provider (verdict-decorations.ts) turns it into a FileDecoration.
 */
import type { ScanHistoryEntry } from '../engine/scan-history';
import { labelText } from '../report/class-label';

export interface VerdictBadge {
  /** At most two characters (VS Code's limit). */
  badge: string;
  tooltip: string;
  /** A theme colour id, or none. */
  color: 'errorForeground' | 'editorWarning.foreground' | null;
}

export function verdictBadge(latest: ScanHistoryEntry | null): VerdictBadge | null {
  if (!latest) return null;
  const when = latest.finishedAt.slice(0, 16).replace('T', ' ');
  const acc = (v: number | null) => (v === null ? '' : ` · ACC ${(v * 100).toFixed(1)} %`);
  if (latest.verdict === 'backdoored') {
    return {
      badge: 'BD',
      tooltip: `RNP: backdoor found${latest.detectedLabel !== null ? `, target label ${labelText(latest.detectedLabel, latest.detectedLabelName ? { [latest.detectedLabel]: latest.detectedLabelName } : null)}` : ''} (scan of ${when} UTC${acc(latest.before.acc)})`,
      color: 'errorForeground',
    };
  }
  if (latest.verdict === 'inconclusive') return { badge: '?', tooltip: `RNP: inconclusive (scan of ${when} UTC): the evidence was weak either way`, color: 'editorWarning.foreground' };
  return { badge: '✓', tooltip: `RNP: no backdoor found (scan of ${when} UTC)`, color: null };
}

/** The status bar's text and tooltip for the active model's newest report (codicons in the text), or null: hidden. */
export function verdictStatus(latest: ScanHistoryEntry | null, model: string): { text: string; tooltip: string } | null {
  if (!latest) return null;
  const name = model.split(/[\\/]/).pop() || model;
  const badge = verdictBadge(latest)!;
  const text =
    latest.verdict === 'backdoored'
      ? `$(error) RNP: backdoor${latest.detectedLabel !== null ? ` (label ${latest.detectedLabel})` : ''}`
      : latest.verdict === 'inconclusive'
        ? '$(question) RNP: inconclusive'
        : '$(pass) RNP: no backdoor found';
  return { text, tooltip: `${name}: ${badge.tooltip.replace(/^RNP: /, '')}. Click to open the report.` };
}
