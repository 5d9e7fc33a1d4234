/**
 * Which channels a threshold prunes: the same rule as the engine (prune where mask <= threshold), evaluated in the
 * panel so the slider can show per-layer and total counts instantly without asking the host.
 * Shared (src/report/): the extension host counts the same way before an export (scan-controller.ts decides from
 * the count whether the file would differ from the original model), so panel and host cannot disagree.
 */

export interface MaskedLayer {
  name: string;
  masks: readonly number[];
}

export interface PrunedCounts {
  /** Pruned channels per layer, in the order of the layers given. */
  perLayer: number[];
  total: number;
  totalChannels: number;
}

export function isPruned(mask: number, threshold: number): boolean {
  return mask <= threshold;
}

export function prunedCounts(layers: readonly MaskedLayer[], threshold: number): PrunedCounts {
  const perLayer = layers.map((l) => l.masks.reduce((n, m) => (isPruned(m, threshold) ? n + 1 : n), 0));
  return {
    perLayer,
    total: perLayer.reduce((a, b) => a + b, 0),
    totalChannels: layers.reduce((a, l) => a + l.masks.length, 0),
  };
}
