/**
 * Per-layer mask heatmaps: one row per masked layer (in the result's order, named as a module path with the raw ONNX
 * name in the tooltip), one cell per channel coloured by its recovered mask (low masks strongest: colour-scale.ts),
 * the cells the current threshold prunes marked with a dot that leaves their colour visible, a colour bar with the
 * threshold on it, and a toggle that orders each row's channels by mask (issue #23 item 3).
 */
import type { LayerMasks } from '../src/engine/result';
import { el } from './dom';
import { maskColour, maskGradient } from './colour-scale';
import { cellTitle } from './format';
import { isPruned } from '../src/report/pruning';
import { layerDisplayName } from '../src/report/layer-name';
import { thresholdText } from '../src/report/threshold-text';

export interface Heatmap {
  element: HTMLElement;
  /** Re-marks pruned cells, rewrites the per-layer counts and moves the colour bar's marker for a threshold. */
  setThreshold(threshold: number, perLayer: number[]): void;
}

/** Channel order of a row: by index, or by mask value (lowest first; ties by index, so the order is stable). */
export function channelOrder(masks: readonly number[], sorted: boolean): number[] {
  const idx = masks.map((_, i) => i);
  return sorted ? idx.sort((a, b) => masks[a] - masks[b] || a - b) : idx;
}

export function heatmap(layers: LayerMasks[]): Heatmap {
  const rows: { cells: HTMLElement[]; masks: number[]; count: HTMLElement; box: HTMLElement }[] = [];
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
      el('div', { class: 'layer-label' }, el('span', { class: 'layer-name', title: `${layer.name} (${layer.kind})` }, layerDisplayName(layer.name)), count),
      cells,
    );
    table.append(row);
    rows.push({ cells: cellEls, masks: layer.masks, count, box: cells });
  }

  // The colour bar: what a cell's colour means, and where the threshold sits on the same scale.
  const bar = el('div', { class: 'legend-bar', role: 'img', 'aria-label': 'colour scale: mask 0 (red, strongest) to mask 1 (blue, faint)' });
  bar.style.backgroundImage = maskGradient();
  const marker = el('div', { class: 'legend-threshold', id: 'legend-threshold' });
  bar.append(marker);
  const legend = el(
    'div',
    { class: 'mask-legend', id: 'mask-legend' },
    el('span', { class: 'legend-end' }, 'mask 0'),
    bar,
    el('span', { class: 'legend-end' }, '1'),
    el('span', { class: 'hint legend-text', id: 'legend-text' }),
  );
  const sortBox = el('input', { type: 'checkbox', id: 'heatmap-sort' }) as HTMLInputElement;
  sortBox.addEventListener('change', () => {
    for (const r of rows) r.box.append(...channelOrder(r.masks, sortBox.checked).map((ch) => r.cells[ch]));
  });
  const controls = el('label', { class: 'heatmap-sort hint' }, sortBox, ' sort each layer\'s channels by mask (lowest first)');
  const element = el('div', {}, el('div', { class: 'heatmap-controls' }, legend, controls), table);
  return {
    element,
    setThreshold(threshold, perLayer) {
      rows.forEach((r, i) => {
        r.cells.forEach((c, ch) => c.classList.toggle('pruned', isPruned(r.masks[ch], threshold)));
        r.count.textContent = `${perLayer[i]} / ${r.masks.length} pruned`;
      });
      const on = threshold >= 0;
      marker.hidden = !on;
      marker.style.left = `${Math.min(1, Math.max(0, threshold)) * 100}%`;
      marker.dataset.threshold = String(threshold);
      (legend.querySelector('#legend-text') as HTMLElement).textContent = on ? `the line: threshold ${thresholdText(threshold)}; dotted cells (mask at or below it) are pruned` : 'nothing pruned at this threshold';
    },
  };
}
