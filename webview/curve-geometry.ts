/**
 * Geometry of the small SVG charts (accuracy per epoch, ACC/ASR against threshold, label histogram): linear
 * scales, polyline paths and the curve point nearest to the chosen threshold. Pure, so it is tested in a browser
 * without a DOM.
 */

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export type Scale = (v: number) => number;

export function linearScale(domain: [number, number], range: [number, number]): Scale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0;
  // A degenerate domain (one epoch, one point) maps to the middle instead of dividing by zero.
  if (span === 0) return () => (r0 + r1) / 2;
  return (v) => r0 + ((v - d0) / span) * (r1 - r0);
}

/** SVG path ("M x y L x y …") through the points whose y is not null; a null breaks the line. */
export function linePath(points: readonly { x: number; y: number | null }[], sx: Scale, sy: Scale): string {
  let d = '';
  let pen = false;
  for (const p of points) {
    if (p.y === null || !Number.isFinite(p.y)) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${round(sx(p.x))} ${round(sy(p.y))} `;
    pen = true;
  }
  return d.trim();
}

/**
 * Axis ticks over `domain`: about `count` round values (steps of 1, 2, 2.5 or 5 × 10^k) inside it, the ends included
 * when they are not already close to a tick, so an axis always says where it starts and stops.
 */
export function niceTicks(domain: [number, number], count = 5): number[] {
  const [lo, hi] = domain[0] <= domain[1] ? domain : [domain[1], domain[0]];
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(1, count - 1);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const round = (v: number) => Math.round(v / (step / 100)) * (step / 100);
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) ticks.push(round(v));
  const near = (a: number, b: number) => Math.abs(a - b) < step * 0.4;
  if (!near(ticks[0] ?? Infinity, lo)) ticks.unshift(lo);
  if (!near(ticks[ticks.length - 1], hi)) ticks.push(hi);
  return ticks;
}

/** Index of the point whose x is nearest to `x` (first on ties), or -1 for no points. */
export function nearestIndex(xs: readonly number[], x: number): number {
  let best = -1;
  let dist = Infinity;
  xs.forEach((v, i) => {
    const d = Math.abs(v - x);
    if (d < dist) {
      dist = d;
      best = i;
    }
  });
  return best;
}

export interface Bar {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Vertical bars for counts, filling the box, with a gap between bars; the tallest bar fills the height. */
export function barGeometry(counts: readonly number[], box: Box, gap = 2): Bar[] {
  const n = counts.length;
  if (n === 0) return [];
  const max = Math.max(1, ...counts);
  const width = Math.max(1, (box.width - gap * (n - 1)) / n);
  return counts.map((c, i) => {
    const h = (Math.max(0, c) / max) * box.height;
    return { x: round(box.x + i * (width + gap)), y: round(box.y + box.height - h), width: round(width), height: round(h) };
  });
}

/**
 * Bars for signed values (MAD anomaly indices) from a zero line: a positive value rises above it, a negative one
 * hangs below. `scale` maps a value to y (e.g. linearScale over the chart's value domain).
 */
export function signedBarGeometry(values: readonly number[], box: Box, scale: Scale, gap = 2): Bar[] {
  const n = values.length;
  if (n === 0) return [];
  const width = Math.max(1, (box.width - gap * (n - 1)) / n);
  const zero = scale(0);
  return values.map((v, i) => {
    const y = scale(Number.isFinite(v) ? v : 0);
    return { x: round(box.x + i * (width + gap)), y: round(Math.min(y, zero)), width: round(width), height: round(Math.abs(zero - y)) };
  });
}

/** The value domain of a MAD chart: always shows 0 and the flag line (with headroom), and every value. */
export function madDomain(values: readonly number[], flag: number): [number, number] {
  const finite = values.filter((v) => Number.isFinite(v));
  const lo = Math.min(0, ...finite);
  const hi = Math.max(flag * 1.25, ...finite);
  return [lo, hi];
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}
