/**
 * SVG line and bar charts drawn from the pure geometry in curve-geometry.ts. Colours come from the theme's
 * chart variables through CSS classes (media/report.css).
 */
import { labelText } from '../src/report/class-label';
import { el, svg } from './dom';
import { barGeometry, linePath, linearScale, madDomain, nearestIndex, niceTicks, signedBarGeometry, type Box } from './curve-geometry';

export interface Series {
  name: string;
  cssClass: string;
  points: { x: number; y: number | null }[];
}

export interface LineChart {
  element: SVGSVGElement;
  /**
   * The chart with what makes it readable without a mouse (issue #23 items 2 and 11): a readout line that hover, and
   * the arrow keys on the focused chart, fill with the nearest point's values, and the data as a table.
   */
  figure: HTMLElement;
  /** Moves the vertical marker (and dots on each series) to x; null hides it. */
  mark(x: number | null, ys?: (number | null)[]): void;
}

const W = 420;
const H = 180;
const PLOT: Box = { x: 40, y: 10, width: W - 52, height: H - 40 };

/** A horizontal reference line across the plot (e.g. the original model's ACC), labelled at its right end. */
export interface Baseline {
  name: string;
  cssClass: string;
  y: number;
}

export function lineChart(title: string, series: Series[], xDomain: [number, number], xLabel: string, baselines: readonly Baseline[] = []): LineChart {
  const sx = linearScale(xDomain, [PLOT.x, PLOT.x + PLOT.width]);
  const sy = linearScale([0, 1], [PLOT.y + PLOT.height, PLOT.y]);
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': title });
  root.append(svg('title', {}, title));
  for (const t of [0, 0.25, 0.5, 0.75, 1]) {
    root.append(svg('line', { class: t === 0.25 || t === 0.75 ? 'grid grid-minor' : 'grid', x1: PLOT.x, x2: PLOT.x + PLOT.width, y1: sy(t), y2: sy(t) }));
    root.append(svg('text', { class: 'tick y-tick', x: PLOT.x - 6, y: sy(t) + 4, 'text-anchor': 'end' }, `${t * 100}%`));
  }
  for (const t of niceTicks(xDomain, 6)) {
    root.append(svg('text', { class: 'tick x-tick', x: sx(t), y: PLOT.y + PLOT.height + 14, 'text-anchor': 'middle', 'data-value': t }, String(Math.round(t * 100) / 100)));
  }
  root.append(svg('text', { class: 'axis-label', x: PLOT.x + PLOT.width / 2, y: H - 4, 'text-anchor': 'middle' }, xLabel));
  series.forEach((s, i) => {
    root.append(svg('path', { class: `series ${s.cssClass}`, d: linePath(s.points, sx, sy), 'data-series': s.name }));
    // Points as dots too: a series of one epoch (unlearning that stops at once) has no line to draw.
    for (const pt of s.points) if (pt.y !== null) root.append(svg('circle', { class: `point ${s.cssClass}`, r: 2, cx: sx(pt.x), cy: sy(pt.y) }));
    root.append(svg('text', { class: `legend ${s.cssClass}`, x: PLOT.x + 8 + i * 110, y: PLOT.y + 12 }, s.name));
  });
  for (const b of baselines) {
    root.append(svg('line', { class: `baseline ${b.cssClass}`, x1: PLOT.x, x2: PLOT.x + PLOT.width, y1: sy(b.y), y2: sy(b.y), 'data-baseline': b.name, 'data-value': b.y }));
    root.append(svg('text', { class: `baseline-label ${b.cssClass}`, x: PLOT.x + PLOT.width - 2, y: sy(b.y) - 3, 'text-anchor': 'end' }, b.name));
  }
  const marker = svg('line', { class: 'marker', y1: PLOT.y, y2: PLOT.y + PLOT.height, x1: 0, x2: 0, visibility: 'hidden' });
  const dots = series.map((s) => svg('circle', { class: `dot ${s.cssClass}`, r: 4, cx: 0, cy: 0, visibility: 'hidden' }));
  const hoverLine = svg('line', { class: 'hover-line', y1: PLOT.y, y2: PLOT.y + PLOT.height, x1: 0, x2: 0, visibility: 'hidden' });
  root.append(marker, ...dots, hoverLine);

  // Hover and keys: the nearest x of any series, and every series' value there.
  const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p.x)))].sort((a, b) => a - b);
  const valueAt = (s: Series, x: number) => s.points.find((p) => p.x === x)?.y ?? null;
  const fmtX = (x: number) => String(Math.round(x * 1000) / 1000);
  const fmtY = (y: number | null) => (y === null ? '—' : `${(y * 100).toFixed(1)}%`);
  const readout = el('p', { class: 'hint chart-readout', 'aria-live': 'polite' }, xs.length ? `Hover the chart, or focus it and use the arrow keys, to read its values.` : '');
  let at = -1;
  const show = (i: number) => {
    at = Math.max(0, Math.min(xs.length - 1, i));
    const x = xs[at];
    hoverLine.setAttribute('x1', String(sx(x)));
    hoverLine.setAttribute('x2', String(sx(x)));
    hoverLine.setAttribute('visibility', 'visible');
    readout.textContent = `${xLabel} ${fmtX(x)}: ${series.map((s) => `${s.name} ${fmtY(valueAt(s, x))}`).join(' · ')}`;
    readout.dataset.x = String(x);
  };
  if (xs.length) {
    root.setAttribute('tabindex', '0');
    root.addEventListener('pointermove', (ev) => {
      const box = root.getBoundingClientRect();
      if (box.width === 0) return;
      const vx = ((ev.clientX - box.left) / box.width) * W;
      const x = xDomain[0] + ((vx - PLOT.x) / PLOT.width) * (xDomain[1] - xDomain[0]);
      show(nearestIndex(xs, x));
    });
    root.addEventListener('keydown', (ev) => {
      const step = { ArrowLeft: -1, ArrowDown: -1, ArrowRight: 1, ArrowUp: 1 }[ev.key];
      if (step !== undefined) show(at < 0 ? 0 : at + step);
      else if (ev.key === 'Home') show(0);
      else if (ev.key === 'End') show(xs.length - 1);
      else return;
      ev.preventDefault();
    });
    root.addEventListener('focus', () => at < 0 && show(0));
  }
  const table = el(
    'table',
    { class: 'chart-table' },
    el('tr', {}, el('th', {}, xLabel), ...series.map((s) => el('th', {}, s.name))),
    ...xs.map((x) => el('tr', {}, el('td', {}, fmtX(x)), ...series.map((s) => el('td', {}, fmtY(valueAt(s, x)))))),
  );
  const figure = el('figure', { class: 'line-chart' }, root, readout, xs.length ? el('details', { class: 'chart-data' }, el('summary', {}, 'Data table'), table) : null);
  return {
    element: root,
    figure,
    mark(x, ys = []) {
      const show = x !== null;
      marker.setAttribute('visibility', show ? 'visible' : 'hidden');
      if (show) {
        marker.setAttribute('x1', String(sx(x)));
        marker.setAttribute('x2', String(sx(x)));
      }
      dots.forEach((d, i) => {
        const y = ys[i];
        const visible = show && typeof y === 'number';
        d.setAttribute('visibility', visible ? 'visible' : 'hidden');
        if (visible) {
          d.setAttribute('cx', String(sx(x)));
          d.setAttribute('cy', String(sy(y)));
        }
      });
    },
  };
}

export function barChart(title: string, counts: number[], highlight: number | null, names?: readonly string[] | null): SVGSVGElement {
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': title });
  root.append(svg('title', {}, title));
  const bars = barGeometry(counts, PLOT);
  bars.forEach((b, i) => {
    const rect = svg('rect', { class: i === highlight ? 'bar bar-highlight' : 'bar', x: b.x, y: b.y, width: b.width, height: b.height, 'data-label': i });
    rect.append(svg('title', {}, `label ${labelText(i, names)}: ${counts[i]}`));
    root.append(rect, svg('text', { class: 'tick', x: b.x + b.width / 2, y: PLOT.y + PLOT.height + 14, 'text-anchor': 'middle' }, String(i)));
  });
  root.append(svg('text', { class: 'axis-label', x: PLOT.x + PLOT.width / 2, y: H - 4, 'text-anchor': 'middle' }, 'predicted label'));
  return root;
}

/**
 * Neural Cleanse's MAD chart: per label, the anomaly index of its trigger norm (how far below the median, in robust
 * standard deviations), the flag line at `flag`, bars over it marked, the detected label highlighted.
 */
export function madChart(title: string, indices: number[], flag: number, highlight: number | null, names?: readonly string[] | null): SVGSVGElement {
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart mad-chart', role: 'img', 'aria-label': title });
  root.append(svg('title', {}, title));
  const domain = madDomain(indices, flag);
  const sy = linearScale(domain, [PLOT.y + PLOT.height, PLOT.y]);
  root.append(svg('line', { class: 'grid', x1: PLOT.x, x2: PLOT.x + PLOT.width, y1: sy(0), y2: sy(0) }));
  root.append(svg('text', { class: 'tick', x: PLOT.x - 6, y: sy(0) + 4, 'text-anchor': 'end' }, '0'));
  const bars = signedBarGeometry(indices, PLOT, sy);
  bars.forEach((b, i) => {
    const cls = ['bar', i === highlight ? 'bar-highlight' : '', indices[i] > flag ? 'bar-flagged' : ''].filter(Boolean).join(' ');
    const rect = svg('rect', { class: cls, x: b.x, y: b.y, width: b.width, height: b.height, 'data-label': i, 'data-value': indices[i] });
    rect.append(svg('title', {}, `label ${labelText(i, names)}: anomaly index ${indices[i].toFixed(2)}`));
    root.append(rect, svg('text', { class: 'tick', x: b.x + b.width / 2, y: PLOT.y + PLOT.height + 14, 'text-anchor': 'middle' }, String(i)));
  });
  const fy = sy(flag);
  root.append(
    svg('line', { class: 'flag-line', x1: PLOT.x, x2: PLOT.x + PLOT.width, y1: fy, y2: fy, 'data-value': flag }),
    svg('text', { class: 'tick flag-text', x: PLOT.x - 6, y: fy + 4, 'text-anchor': 'end' }, String(flag)),
  );
  root.append(svg('text', { class: 'axis-label', x: PLOT.x + PLOT.width / 2, y: H - 4, 'text-anchor': 'middle' }, 'label (anomaly index of its trigger norm)'));
  return root;
}
