/**
 * Finite-difference gradient checking for compiled programs: the loss is a fixed random linear functional of the
 * program's output, summed in float64 in JS, so central differences are accurate even though the model runs float32.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ForwardOptions, Program } from '../../../src/engine/graph/program';
import { mulberry32 } from '../../../src/engine/train/random';

/** A small deterministic PRNG (the engine's mulberry32) so every run checks the same coordinates. */
export const prng = mulberry32;

export function randomArray(n: number, rand: () => number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (rand() * 2 - 1) * scale;
  return out;
}

export interface GradMismatch {
  what: string;
  index: number;
  analytic: number;
  numeric: number;
}

/**
 * Checks d(sum(forward(x) * R))/d(param) for `x`, every weight variable and every mask against central differences
 * at `samples` random coordinates each. Returns the mismatches (empty = pass).
 */
export function checkProgramGradients(
  program: Program,
  x: tf.Tensor4D,
  opts: ForwardOptions,
  { seed = 7, samples = 3, steps = [1e-3, 3e-4, 1e-4], atol = 3e-3, rtol = 1e-2 } = {},
): GradMismatch[] {
  const rand = prng(seed);
  const outShape = tf.tidy(() => program.forward(x, opts).shape);
  const r = tf.tensor(randomArray(outShape[0] * outShape[1], rand), outShape);
  const lossOf = (input: tf.Tensor4D): number => {
    const y = tf.tidy(() => program.forward(input, opts));
    const yv = y.dataSync();
    const rv = r.dataSync();
    y.dispose();
    let s = 0;
    for (let i = 0; i < yv.length; i++) s += yv[i] * rv[i];
    return s;
  };
  const masks = (opts.masks ?? []) as tf.Variable[];
  const params: [string, tf.Variable][] = [...program.weights.entries(), ...masks.map((m, i): [string, tf.Variable] => [`mask${i}`, m])];
  // Analytic gradients.
  const xVar = tf.variable(x.clone(), true);
  const { grads } = tf.variableGrads(() => tf.sum(tf.mul(program.forward(xVar as tf.Tensor4D, opts), r)) as tf.Scalar, [xVar, ...params.map(([, v]) => v)]);
  const mismatches: GradMismatch[] = [];
  const probe = (what: string, variable: tf.Variable, analytic: Float32Array, evaluate: () => number) => {
    const base = variable.dataSync().slice() as Float32Array;
    for (let s = 0; s < samples; s++) {
      const i = Math.floor(rand() * base.length);
      const at = (delta: number) => {
        const v = base.slice();
        v[i] += delta;
        tf.tidy(() => variable.assign(tf.tensor(v, variable.shape)));
        return evaluate();
      };
      // Several step sizes: a large step can cross a ReLU/max kink, a small one drowns in float32 rounding;
      // a correct gradient matches at one of them, a wrong one at none.
      let numeric = NaN;
      for (const eps of steps) {
        numeric = (at(eps) - at(-eps)) / (2 * eps);
        if (Math.abs(numeric - analytic[i]) <= atol + rtol * Math.abs(analytic[i])) break;
      }
      tf.tidy(() => variable.assign(tf.tensor(base, variable.shape)));
      if (!(Math.abs(numeric - analytic[i]) <= atol + rtol * Math.abs(analytic[i]))) mismatches.push({ what, index: i, analytic: analytic[i], numeric });
    }
  };
  probe('x', xVar, grads[xVar.name].dataSync() as Float32Array, () => lossOf(xVar as tf.Tensor4D));
  for (const [name, v] of params) {
    const g = grads[v.name];
    if (!g) {
      mismatches.push({ what: `${name} (no gradient)`, index: -1, analytic: NaN, numeric: NaN });
      continue;
    }
    probe(name, v, g.dataSync() as Float32Array, () => lossOf(x));
  }
  for (const g of Object.values(grads)) g.dispose();
  xVar.dispose();
  r.dispose();
  return mismatches;
}
