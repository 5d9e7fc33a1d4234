/**
 * Fitting the statistical verdict (evidence/verdict-model.ts) on the zoo's train split: an L2-regularised logistic
 * regression by Newton's method (three features, tens of models: exact and instant), and the bands and the
 * label-naming level chosen from the same rows. Used by bench/fit-verdict.ts; the held-out split is never read here.
 */
import { FEATURE_NAMES, type Features } from '../src/engine/evidence/verdict-model';

export interface FitRow {
  name: string;
  features: Features;
  /** 1: backdoored (the attack took), 0: clean. */
  y: 0 | 1;
  /** The sweep's smallest-trigger label, and the true target (null when clean). */
  candidate: number;
  target: number | null;
}

/** Solves the 4×4 (or n×n) system A x = b by Gaussian elimination with partial pivoting. */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
    [m[c], m[p]] = [m[p], m[c]];
    for (let r = 0; r < n; r++) {
      if (r === c || m[c][c] === 0) continue;
      const f = m[r][c] / m[c][c];
      for (let k = c; k <= n; k++) m[r][k] -= f * m[c][k];
    }
  }
  return m.map((row, i) => row[n] / row[i]);
}

/**
 * Maximises Σ log-likelihood − λ/2·|w|² (the bias unpenalised). λ keeps the weights finite when the train split is
 * separable, which with a few dozen models it often is.
 */
export function fitLogistic(rows: readonly FitRow[], lambda = 1): { bias: number; weights: Features } {
  const d = FEATURE_NAMES.length;
  let beta = new Array(d + 1).fill(0);
  const xs = rows.map((r) => [1, ...FEATURE_NAMES.map((k) => r.features[k])]);
  for (let it = 0; it < 100; it++) {
    const grad = new Array(d + 1).fill(0);
    const hess = Array.from({ length: d + 1 }, () => new Array(d + 1).fill(0));
    xs.forEach((x, i) => {
      const z = x.reduce((s, v, j) => s + v * beta[j], 0);
      const p = 1 / (1 + Math.exp(-z));
      for (let j = 0; j <= d; j++) {
        grad[j] += (rows[i].y - p) * x[j];
        for (let k = 0; k <= d; k++) hess[j][k] += p * (1 - p) * x[j] * x[k];
      }
    });
    for (let j = 1; j <= d; j++) {
      grad[j] -= lambda * beta[j];
      hess[j][j] += lambda;
    }
    hess[0][0] += 1e-9;
    const step = solve(hess, grad);
    beta = beta.map((v, j) => v + step[j]);
    if (Math.max(...step.map(Math.abs)) < 1e-10) break;
  }
  const weights = Object.fromEntries(FEATURE_NAMES.map((k, j) => [k, beta[j + 1]])) as Features;
  return { bias: beta[0], weights };
}

/**
 * The penalty by leave-one-out: the λ of `grid` whose fits, each without one row, give the held-back rows the highest
 * log-likelihood (ties: the larger λ, the simpler model). With a few dozen rows a fixed λ would be a guess.
 */
export function chooseLambda(rows: readonly FitRow[], grid: readonly number[] = [0.01, 0.03, 0.1, 0.3, 1, 3]): { lambda: number; looLogLik: number[] } {
  const looLogLik = grid.map((lambda) =>
    rows.reduce((sum, r, i) => {
      const fit = fitLogistic(rows.filter((_, j) => j !== i), lambda);
      const z = fit.bias + FEATURE_NAMES.reduce((a, k) => a + fit.weights[k] * r.features[k], 0);
      const p = Math.min(Math.max(1 / (1 + Math.exp(-z)), 1e-6), 1 - 1e-6);
      return sum + (r.y ? Math.log(p) : Math.log(1 - p));
    }, 0),
  );
  let best = grid.length - 1;
  looLogLik.forEach((v, i) => {
    if (v > looLogLik[best] + 1e-9) best = i;
  });
  return { lambda: grid[best], looLogLik };
}

/**
 * The bands, from the train rows' probabilities: `backdoored` is the lowest level ≥ 0.5 that at most `maxFalseAlarm`
 * of the clean rows reach; `clean` the highest level ≤ 0.5 below which at most `maxMissed` of the backdoored rows
 * fall. Between the two: inconclusive.
 */
export function chooseBands(p: readonly number[], y: readonly (0 | 1)[], maxFalseAlarm = 0.05, maxMissed = 0.05): { backdoored: number; clean: number } {
  const clean = p.filter((_, i) => y[i] === 0).sort((a, b) => b - a);
  const bd = p.filter((_, i) => y[i] === 1).sort((a, b) => a - b);
  const allowFa = Math.floor(clean.length * maxFalseAlarm);
  const allowMiss = Math.floor(bd.length * maxMissed);
  // Just above the (allowFa+1)-th highest clean probability; never below 0.5.
  const fa = clean[allowFa];
  const backdoored = Math.max(0.5, fa === undefined ? 0.5 : Math.min(0.99, fa + 1e-3));
  const miss = bd[allowMiss];
  const cleanBand = Math.min(0.5, miss === undefined ? 0.5 : Math.max(0.01, miss - 1e-3));
  return { backdoored: round(backdoored), clean: round(Math.min(cleanBand, backdoored)) };
}

/**
 * The unlearned model's share of the candidate from which the label is named (the two signals agree: RNP's
 * unlearned model collapses onto the label whose trigger is smallest): above every clean row's and every backdoored
 * row's whose candidate was not its target, never below `floor` (RNP's own majority).
 */
export function chooseNameLabelShare(rows: readonly FitRow[], floor = 0.5): number {
  const bad = rows.filter((r) => r.y === 0 || r.candidate !== r.target).map((r) => r.features.candidateShare);
  return round(Math.min(1, Math.max(floor, ...bad.map((v) => v + 0.01))));
}

const round = (v: number) => Math.round(v * 1000) / 1000;
