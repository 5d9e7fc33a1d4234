/**
 * The training curves drawn while a scan runs (issue #23 item 8: "curves are drawn only at the end"): the clean
 * accuracy each unlearning and recovering progress message reports, by step within its phase, redrawn as messages
 * come. Shown on the status page and in the banner over a stale report; gone when the report arrives.
 */
import type { Progress } from '../src/engine/jobs';
import { el } from './dom';
import { lineChart } from './chart-view';

const PHASES = [
  { phase: 'unlearn', name: 'unlearning', cssClass: 'unlearn' },
  { phase: 'recover', name: 'recovering', cssClass: 'recover' },
] as const;

export interface LiveCurve {
  element: HTMLElement;
  /** Takes a progress message; those with a clean accuracy of a training phase add a point. */
  add(p: Progress): void;
  reset(): void;
  /** Points so far per phase (tests). */
  points(): Record<string, { x: number; y: number }[]>;
}

export function liveCurve(): LiveCurve {
  const element = el('div', { class: 'live-curve', id: 'live-curve', hidden: '' });
  let data: Record<string, { x: number; y: number }[]> = { unlearn: [], recover: [] };
  const draw = () => {
    const series = PHASES.map((s) => ({ name: s.name, cssClass: s.cssClass, points: data[s.phase] }));
    const xs = series.flatMap((s) => s.points.map((p) => p.x));
    if (xs.length === 0) {
      element.hidden = true;
      return;
    }
    const chart = lineChart('clean accuracy on the defense data so far', series, [Math.min(1, ...xs), Math.max(2, ...xs)], 'epoch or step');
    element.replaceChildren(el('p', { class: 'hint' }, 'Training accuracy on the defense data, as the scan runs:'), chart.element);
    element.hidden = false;
  };
  return {
    element,
    add(p) {
      if ((p.phase !== 'unlearn' && p.phase !== 'recover') || typeof p.acc !== 'number' || !(p.step > 0)) return;
      const pts = data[p.phase];
      // A repeated step (a collapse back-off retries it) replaces its point; a new phase run starts over.
      const i = pts.findIndex((q) => q.x === p.step);
      if (i >= 0) pts[i] = { x: p.step, y: p.acc };
      else pts.push({ x: p.step, y: p.acc });
      pts.sort((a, b) => a.x - b.x);
      draw();
    },
    reset() {
      data = { unlearn: [], recover: [] };
      element.hidden = true;
      element.replaceChildren();
    },
    points: () => data,
  };
}
