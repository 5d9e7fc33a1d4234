/**
 * Colour of a heatmap cell for a mask value. Only VS Code theme variables are mixed (the panel must follow light,
 * dark and high-contrast themes). The cells that matter are the low masks (the channels pruning removes), so they
 * are the strongest (issue #23 item 3: they were the faintest): hue from the chart red (mask 0) to the chart blue
 * (mask 1), and the share of that colour over the editor background from full (mask 0) down to a fifth (mask 1).
 */

const clamp = (value: number) => (Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0);

/** Share (20..100, integer) of the cell colour over the background; out-of-range and NaN values are clamped to 0..1. */
export function maskShare(value: number): number {
  // A floor of 20 % keeps a full mask distinguishable from the empty background in every theme.
  return Math.round(100 - clamp(value) * 80);
}

export function maskColour(value: number): string {
  const red = Math.round((1 - clamp(value)) * 100);
  return `color-mix(in srgb, color-mix(in srgb, var(--vscode-charts-red) ${red}%, var(--vscode-charts-blue)) ${maskShare(value)}%, var(--vscode-editor-background))`;
}

/** The colour bar: a gradient through the scale at eleven stops. */
export function maskGradient(): string {
  return `linear-gradient(to right, ${Array.from({ length: 11 }, (_, i) => maskColour(i / 10)).join(', ')})`;
}
