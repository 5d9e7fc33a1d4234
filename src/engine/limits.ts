/**
 * Safety caps for reading model files. The ONNX reader checks every declared size against these *before* it
 * allocates anything, so a hostile or corrupt file (a tensor claiming 10^12 elements, a million nodes) fails fast
 * with a LIMIT_EXCEEDED InputError instead of exhausting memory. Data-file caps live in data/limits.ts.
 */

export interface Limits {
  /** Largest model file (and, separately, largest external-data file slice) we read, in bytes. */
  maxFileBytes: number;
  /** Cap on the total number of elements over all initializers and Constant tensors. */
  maxParameters: number;
  /** Cap on the elements of any one tensor. */
  maxTensorElements: number;
  /** Cap on the number of graph nodes. */
  maxNodes: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxFileBytes: 2 * 1024 ** 3,
  maxParameters: 200e6,
  maxTensorElements: 200e6,
  maxNodes: 100_000,
});

/** Defaults overridden by whatever the caller set. */
export function resolveModelLimits(limits?: Partial<Limits>): Limits {
  return { ...DEFAULT_LIMITS, ...(limits ?? {}) };
}
