/**
 * A program's whole trainable state (weights and BatchNorm statistics, in the backend's own layout) as plain
 * arrays, so a cached stage can restore exactly the model it left behind (the unlearned one) without re-running.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Program } from '../graph/program';

const variablesOf = (p: Program): [string, tf.Variable][] => [...[...p.weights].map(([k, v]) => [`w:${k}`, v] as [string, tf.Variable]), ...[...p.stats].map(([k, v]) => [`s:${k}`, v] as [string, tf.Variable])];

export function readProgramState(p: Program): Map<string, Float32Array> {
  return new Map(variablesOf(p).map(([k, v]) => [k, Float32Array.from(v.dataSync() as Float32Array)]));
}

export function writeProgramState(p: Program, state: ReadonlyMap<string, Float32Array>): void {
  for (const [k, v] of variablesOf(p)) {
    const data = state.get(k);
    if (!data || data.length !== v.size) throw new Error(`cached program state does not fit ${k}`);
    tf.tidy(() => v.assign(tf.tensor(data, v.shape, v.dtype)));
  }
}
