/**
 * Safety caps for reading and running model files. The ONNX reader checks every declared size against these
 * *before* it allocates anything, so a hostile or corrupt file (a tensor claiming 10^12 elements, a million nodes,
 * 60 million packed attribute ints) fails fast with a LIMIT_EXCEEDED InputError instead of exhausting memory.
 * The compiled program checks every size it computes from data or attributes at run time (ConstantOfShape,
 * Range, Tile, Expand, Pad, Conv and pool windows, broadcasts, MatMul) with `checkElements` before it allocates.
 * Data-file caps live in data/limits.ts.
 */
import { InputError } from './errors';

export interface Limits {
  /** Largest model file (and, separately, largest external-data file slice) we read, in bytes. */
  maxFileBytes: number;
  /** Cap on the total number of elements over all initializers and Constant tensors (and packed attribute floats). */
  maxParameters: number;
  /** Cap on the elements of any one tensor: stored in the file, or computed while the model runs. */
  maxTensorElements: number;
  /**
   * Cap on the elements of an integer tensor the program computes in plain JS (shape arithmetic: ConstantOfShape of
   * an integer value, Range, Tile of a shape): each element is a JS number, so far fewer than maxTensorElements.
   */
  maxIntElements: number;
  /** Cap on the number of graph nodes. */
  maxNodes: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxFileBytes: 2 * 1024 ** 3,
  maxParameters: 200e6,
  // 800 MB as float32: far above any activation of a supported model at the default batch size (a 224×224
  // ResNet's first conv output at batch 128 is 103 M), far below what makes the wasm heap fail (4 GB).
  maxTensorElements: 200e6,
  // 16 M JS numbers (128 MB): shape tensors have a handful of elements; a mask built from an activation's shape
  // at batch 128 (128×3×224×224 = 19 M) is the largest plausible use and becomes a float tensor first.
  maxIntElements: 1 << 24,
  maxNodes: 100_000,
});

/** Defaults overridden by whatever the caller set. */
export function resolveModelLimits(limits?: Partial<Limits>): Limits {
  return { ...DEFAULT_LIMITS, ...(limits ?? {}) };
}

/** Product of `dims`; Infinity or NaN when a dim is not a non-negative integer or the product is not exact. */
export function elementCount(dims: readonly number[]): number {
  let count = 1;
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0) return NaN;
    count *= d;
  }
  return Number.isSafeInteger(count) ? count : Infinity;
}

export interface ElementCheck {
  /** The model file (or null), for the error. */
  file: string | null;
  /** Default maxTensorElements. */
  cap?: number;
  /** The Limits field the cap comes from, named in the message; default 'maxTensorElements'. */
  capName?: string;
}

/**
 * The one element-count check of the engine: `count` elements (or the product of `dims`) computed for `where`
 * (e.g. `node "pad1" (Pad) output [1, 1, 100008, 100008]`) must be a non-negative integer no larger than the cap.
 * Throws LIMIT_EXCEEDED over the cap, MODEL_INVALID for a negative, fractional or non-finite size; returns the count.
 */
export function checkElements(count: number | readonly number[], where: string, check: ElementCheck): number {
  const { file, cap = DEFAULT_LIMITS.maxTensorElements, capName = 'maxTensorElements' } = check;
  const n = typeof count === 'number' ? count : elementCount(count);
  const shape = typeof count === 'number' ? '' : ` [${count.slice(0, 8).join(', ')}${count.length > 8 ? ', …' : ''}]`;
  if (Number.isNaN(n) || n < 0 || (Number.isFinite(n) && !Number.isInteger(n))) {
    throw new InputError('MODEL_INVALID', file, `${where} has an invalid size${shape || ` (${n})`}`);
  }
  if (n > cap) {
    const size = Number.isFinite(n) && n < 1e21 ? String(n) : 'more than 2^53';
    throw new InputError('LIMIT_EXCEEDED', file, `${where}${shape} would have ${size} elements, more than the limit of ${cap} (${capName})`);
  }
  return n;
}
