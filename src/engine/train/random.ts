/**
 * Seeded randomness for the scan: the same seed and data give the same shuffles, so a scan is reproducible.
 * mulberry32 is tiny, fast and good enough for shuffling (it is not used for anything security-related).
 * Part of engine/train/, the training toolkit that rnp/ (unlearn, recover, repair) and evidence/ (trigger search,
 * sample scores) both use: kept apart so that evidence/ imports nothing from rnp/ (rnp/ → evidence/ is the one way).
 */

export type Rng = () => number;

/** The internal state of each stream mulberry32 made, so a cached stage can hand on the stream where it left it. */
const states = new WeakMap<Rng, () => number>();

export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  const rng = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  states.set(rng, () => a);
  return rng;
}

/** Where a mulberry32 stream is now: `resumeRng(rngState(r))` continues exactly as `r` would. */
export function rngState(rng: Rng): number {
  const s = states.get(rng);
  if (!s) throw new Error('rngState: not a mulberry32 stream');
  return s();
}

/** The stream at a state from `rngState` (mulberry32's seed is its initial state). */
export function resumeRng(state: number): Rng {
  return mulberry32(state);
}

/** Fisher–Yates permutation of 0..n-1. */
export function permutation(n: number, rng: Rng): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

/** `n` draws from `pool`, with replacement (mini-batches for searches that run more steps than the pool has batches). */
export function drawFrom(pool: Int32Array, n: number, rng: Rng): Int32Array {
  const out = new Int32Array(n);
  for (let k = 0; k < n; k++) out[k] = pool[Math.floor(rng() * pool.length)];
  return out;
}
