/** Wording and number formatting for the report panel (the threshold's text, shared with the host: src/report/threshold-text.ts). */
import { labelText } from '../src/report/class-label';

export function percent(v: number | null | undefined, digits = 1): string {
  return typeof v === 'number' && Number.isFinite(v) ? `${(v * 100).toFixed(digits)}%` : '—';
}

/** The hover text of a heatmap cell. */
export function cellTitle(layer: string, channel: number, value: number): string {
  return `${layer} / channel ${channel} / ${value.toFixed(4)}`;
}

export function verdictText(verdict: 'backdoored' | 'clean' | 'inconclusive', label: number | null, names?: readonly string[] | Readonly<Record<number, string>> | null): string {
  if (verdict === 'backdoored') return label === null ? 'Backdoored' : `Backdoored — target label ${labelText(label, names)}`;
  if (verdict === 'clean') return 'No backdoor found';
  return 'Inconclusive';
}

export function baseName(p: string): string {
  const parts = p.split(/[\\/]/);
  return parts[parts.length - 1] || p;
}

export function prunedSummary(pruned: number, total: number): string {
  return `${pruned} of ${total} channel${total === 1 ? '' : 's'} pruned`;
}
