/** Wording and number formatting for the report panel. */

export function percent(v: number | null | undefined, digits = 1): string {
  return typeof v === 'number' && Number.isFinite(v) ? `${(v * 100).toFixed(digits)}%` : '—';
}

/** Two decimals for round thresholds (0.20), three where that would hide a difference (0.396). */
export function thresholdText(t: number): string {
  const two = t.toFixed(2);
  return Math.abs(Number(two) - t) < 5e-5 ? two : t.toFixed(3);
}

/** The hover text of a heatmap cell. */
export function cellTitle(layer: string, channel: number, value: number): string {
  return `${layer} / channel ${channel} / ${value.toFixed(4)}`;
}

export function verdictText(verdict: 'backdoored' | 'clean' | 'inconclusive', label: number | null): string {
  if (verdict === 'backdoored') return label === null ? 'Backdoored' : `Backdoored — target label ${label}`;
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
