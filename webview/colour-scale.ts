/**
 * Colour of a heatmap cell for a mask value. Only VS Code theme variables are mixed (the panel must follow light,
 * dark and high-contrast themes), so the scale is "share of the chart colour over the editor background".
 */

/** Share (0..100, integer) of the chart colour for a mask value; out-of-range and NaN values are clamped to 0..1. */
export function maskShare(value: number): number {
  const v = Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0;
  // A floor of 8% keeps a zero mask distinguishable from the empty background in every theme.
  return Math.round(8 + v * 92);
}

export function maskColour(value: number): string {
  return `color-mix(in srgb, var(--vscode-charts-blue) ${maskShare(value)}%, var(--vscode-editor-background))`;
}
