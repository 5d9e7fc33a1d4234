/**
 * Per-layer mask heatmaps: one row per masked layer (in the result's order), one cell per channel coloured by its
 * recovered mask, with the cells the current threshold prunes marked.
 */
import type { LayerMasks } from '../src/engine/result';
import { el } from './dom';
import { maskColour } from './colour-scale';
import { cellTitle } from './format';
import { isPruned } from '../src/report/pruning';

export interface Heatmap {
  element: HTMLElement;
  /** Re-marks pruned cells and rewrites the per-layer counts for a threshold. */
  setThreshold(threshold: number, perLayer: number[]): void;
}

export function heatmap(layers: LayerMasks[]): Heatmap {
  const rows: { cells: HTMLElement[]; masks: number[]; count: HTMLElement }[] = [];
  const table = el('div', { class: 'heatmap' });
  for (const layer of layers) {
    const count = el('span', { class: 'layer-count' });
    const cells = el('div', { class: 'cells' });
    const cellEls = layer.masks.map((m, ch) => {
      const c = el('div', { class: 'cell', title: cellTitle(layer.name, ch, m), 'data-channel': ch });
      // CSSOM assignment, not a style attribute: the CSP has no 'unsafe-inline'.
      c.style.backgroundColor = maskColour(m);
      return c;
    });
    cells.append(...cellEls);
    const row = el(
      'div',
      { class: 'heatmap-row', 'data-layer': layer.name, 'data-channels': layer.masks.length },
      el('div', { class: 'layer-label' }, el('span', { class: 'layer-name', title: `${layer.name} (${layer.kind})` }, layer.name), count),
      cells,
    );
    table.append(row);
    rows.push({ cells: cellEls, masks: layer.masks, count });
  }
  return {
    element: table,
    setThreshold(threshold, perLayer) {
      rows.forEach((r, i) => {
        r.cells.forEach((c, ch) => c.classList.toggle('pruned', isPruned(r.masks[ch], threshold)));
        r.count.textContent = `${perLayer[i]} / ${r.masks.length} pruned`;
      });
    },
  };
}
