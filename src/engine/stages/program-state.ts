/**
 * A program's whole trainable state (weights and BatchNorm statistics, in the backend's own layout) as plain
 * arrays, so a cached stage can restore exactly the model it left behind (the unlearned one) without re-running.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Program } from '../graph/program';

const variablesOf = (p: Program): [string, tf.Variable][] => [...[...p.weights].map(([k, v]) => [`w:${k}`, v] as [string, tf.Variable]), ...[...p.stats].map(([k, v]) => [`s:${k}`, v] as [string, tf.Variable])];

export async function readProgramState(p: Program): Promise<Map<string, Float32Array>> {
  const vars = variablesOf(p);
  const values = await Promise.all(vars.map(([, v]) => v.data()));
  return new Map(vars.map(([k], i) => [k, Float32Array.from(values[i] as Float32Array)]));
}

export function writeProgramState(p: Program, state: ReadonlyMap<string, Float32Array>): void {
  for (const [k, v] of variablesOf(p)) {
    const data = state.get(k);
    if (!data || data.length !== v.size) throw new Error(`cached program state does not fit ${k}`);
    tf.tidy(() => v.assign(tf.tensor(data, v.shape, v.dtype)));
  }
}
