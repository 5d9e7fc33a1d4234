/**
 * Per-layer mask heatmaps: one row per masked layer (in the result's order, named as a module path with the raw ONNX
 * name in the tooltip), one cell per channel coloured by its recovered mask (low masks strongest: colour-scale.ts),
 * the cells the current threshold prunes marked with a dot that leaves their colour visible, a colour bar with the
 * threshold on it, and a toggle that orders each row's channels by mask (issue #23 item 3).
 * Channels wrap in lines of a power of two (as many as the width holds, the same for every layer); each line starts
 * with its first index and a ruler above gives the offset in the line, so "which channel is this" is read off the
 * page like a hex dump, not counted. Sorted, the same axis counts ranks (lowest mask first).
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

/** Cell pitch (12 px and a 1 px gap) and the width of a line's index label, as in report.css. */
export const CELL_PITCH = 13;
export const INDEX_WIDTH = 30;
const LINE_CHOICES = [64, 32, 16, 8];
/** Ruler labels every this many cells. */
const RULER_STEP = 8;

/** Channels per line for a cells column `width` px wide: the largest choice that fits, else the smallest. */
export function channelsPerLine(width: number): number {
  return LINE_CHOICES.find((n) => INDEX_WIDTH + n * CELL_PITCH <= width) ?? LINE_CHOICES[LINE_CHOICES.length - 1]!;
}

export function heatmap(layers: LayerMasks[]): Heatmap {
  const rows: { cells: HTMLElement[]; masks: number[]; count: HTMLElement; box: HTMLElement }[] = [];
  const table = el('div', { class: 'heatmap' });
  const axisName = el('span', { class: 'axis-name hint' }, 'channel');
  const ruler = el('div', { class: 'cells ruler', 'aria-hidden': 'true' });
  const axis = el('div', { class: 'heatmap-axis' }, el('div', { class: 'layer-label' }, axisName), ruler);
  table.append(axis);
  let perLine = 0;
  let sorted = false;
  /** Lays every row out in lines of `n` (index label, then the cells in the current order) and the ruler to match. */
  const layout = (n: number) => {
    perLine = n;
    table.style.setProperty('--per-line', String(n));
    table.dataset.perLine = String(n);
    ruler.replaceChildren(el('span', { class: 'cell-index' }), ...Array.from({ length: n / RULER_STEP }, (_, k) => el('span', { class: 'ruler-tick' }, `+${k * RULER_STEP}`)));
    for (const r of rows) {
      const order = channelOrder(r.masks, sorted);
      const parts: HTMLElement[] = [];
      for (let start = 0; start < order.length; start += n) {
        parts.push(el('span', { class: 'cell-index' }, String(start)), ...order.slice(start, start + n).map((ch) => r.cells[ch]!));
      }
      r.box.replaceChildren(...parts);
    }
    axisName.textContent = sorted ? 'rank (lowest mask first)' : 'channel';
  };
  for (const layer of layers) {
    const count = el('span', { class: 'layer-count' });
    const cells = el('div', { class: 'cells' });
    const cellEls = layer.masks.map((m, ch) => {
      const c = el('div', { class: 'cell', title: cellTitle(layer.name, ch, m), 'data-channel': ch });
      // CSSOM assignment, not a style attribute: the CSP has no 'unsafe-inline'.
      c.style.backgroundColor = maskColour(m);
      return c;
    });
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
    sorted = sortBox.checked;
    layout(perLine);
  });
  layout(32);
  // The line length follows the width of the cells column (the panel resized, a narrow editor group).
  new ResizeObserver(() => {
    const n = channelsPerLine(ruler.getBoundingClientRect().width);
    if (n !== perLine) layout(n);
  }).observe(ruler);
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
