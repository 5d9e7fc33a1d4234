/**
 * int64 → JS number. protobufjs hands int64 fields over as Long objects (or as numbers when the `long` package
 * is not loadable, e.g. inside a bundle); both forms end here. Values beyond 2^53 cannot be represented exactly,
 * so they are rejected, with one exception: exporters write INT64_MAX / INT64_MIN (PyTorch's Slice `ends` for
 * "to the end") as sentinels meaning "unbounded"; any magnitude >= 2^62 is read as such a sentinel and clamped to
 * ±MAX_SAFE_INTEGER, which every op that takes them (Slice, Clip, ...) clamps again to the real extent anyway.
 */

export interface LongLike {
  low: number;
  high: number;
  unsigned: boolean;
}

export type Int64Value = number | LongLike;

const SENTINEL_MAGNITUDE = 2 ** 62;
const TWO_32 = 4294967296;

/** The value as a number, or null when it is an integer beyond 2^53 that is not an "unbounded" sentinel. */
export function int64ToNumber(value: Int64Value): number | null {
  const approx = typeof value === 'number' ? value : longToApproxNumber(value);
  if (Number.isSafeInteger(approx)) return approx;
  if (!Number.isFinite(approx) || !Number.isInteger(approx)) return null;
  if (approx >= SENTINEL_MAGNITUDE) return Number.MAX_SAFE_INTEGER;
  if (approx <= -SENTINEL_MAGNITUDE) return -Number.MAX_SAFE_INTEGER;
  return null;
}

/** Exact when the value fits in 53 bits; otherwise the nearest double, which is enough to classify it. */
function longToApproxNumber(v: LongLike): number {
  const high = v.unsigned ? v.high >>> 0 : v.high | 0;
  return high * TWO_32 + (v.low >>> 0);
}

/** A small count or dim that must be a plain non-negative integer (no sentinel clamping). */
export function int64ToExactNumber(value: Int64Value | null | undefined): number | null {
  if (value === null || value === undefined) return 0;
  const approx = typeof value === 'number' ? value : longToApproxNumber(value);
  return Number.isSafeInteger(approx) ? approx : null;
}

/** Exact decimal text of the value, for error messages. */
export function formatInt64(value: Int64Value): string {
  if (typeof value === 'number') return String(value);
  const high = value.unsigned ? BigInt(value.high >>> 0) : BigInt(value.high | 0);
  return String((high << 32n) + BigInt(value.low >>> 0));
}
