/**
 * Subsets of a Dataset (copies), and a seeded class-stratified split used to hold out clean data for choosing the
 * pruning threshold.
 */
import type { Dataset } from './dataset';
import { permutation, type Rng } from '../train/random';

export function subset(data: Dataset, idx: ArrayLike<number>, source = data.source): Dataset {
  const [c, h, w] = data.shape;
  const per = c * h * w;
  const x = new Float32Array(idx.length * per);
  const y = new Int32Array(idx.length);
  for (let k = 0; k < idx.length; k++) {
    x.set(data.x.subarray(idx[k] * per, (idx[k] + 1) * per), k * per);
    y[k] = data.y[idx[k]];
  }
  return { ...data, source, count: idx.length, x, y };
}

/** Splits off about `fraction` of every class (at least one sample of a class with two or more). */
export function stratifiedSplit(data: Dataset, fraction: number, rng: Rng): { train: Dataset; holdout: Dataset } {
  const byClass = new Map<number, number[]>();
  for (const i of permutation(data.count, rng)) {
    const list = byClass.get(data.y[i]) ?? [];
    list.push(i);
    byClass.set(data.y[i], list);
  }
  const train: number[] = [];
  const hold: number[] = [];
  for (const [, list] of [...byClass].sort((a, b) => a[0] - b[0])) {
    const k = list.length >= 2 ? Math.max(1, Math.round(list.length * fraction)) : 0;
    hold.push(...list.slice(0, k));
    train.push(...list.slice(k));
  }
  train.sort((a, b) => a - b);
  hold.sort((a, b) => a - b);
  return { train: subset(data, train), holdout: subset(data, hold, `${data.source} (held out)`) };
}
