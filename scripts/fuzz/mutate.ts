/**
 * Seeded mutations of real fixture bytes for the fuzz harness: truncation, bit flips, byte overwrites, splices
 * between two files, corruption of protobuf varints (tags, lengths, values, found by walking the wire format),
 * huge or negative tensor dims, and digit runs (the text in .npy headers) replaced by extreme numbers.
 * Everything is a pure function of the seed, so a reported case replays exactly.
 */
import { Reader } from 'protobufjs/minimal';
import { mulberry32 } from '../../src/engine/train/random';

/** mulberry32 (the engine's seeded generator): small, fast, good enough to pick mutations; seeded per case. */
export const rng = mulberry32;

/** Distinct, well-mixed seed for case `index` of a run seeded with `seed`. */
export function caseSeed(seed: number, index: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  return (h ^ (h >>> 15)) >>> 0;
}

export interface VarintSite {
  pos: number;
  len: number;
  /** Field-number path from the root message, e.g. '7/5/1' = ModelProto.graph.initializer.dims. */
  path: string;
}

const MAX_SITES = 20000;

/** Every varint in the protobuf structure of `bytes`, descending into payloads that parse as messages. */
export function protobufVarints(bytes: Uint8Array): VarintSite[] {
  const out: VarintSite[] = [];
  walk(bytes, 0, bytes.length, '', 0, out);
  return out;
}

function walk(bytes: Uint8Array, start: number, end: number, path: string, depth: number, out: VarintSite[]): void {
  const r = Reader.create(bytes.subarray(start, end));
  try {
    while (r.pos < r.len && out.length < MAX_SITES) {
      const tagPos = r.pos;
      const tag = r.uint32();
      const field = tag >>> 3;
      const fieldPath = path ? `${path}/${field}` : String(field);
      out.push({ pos: start + tagPos, len: r.pos - tagPos, path: `${fieldPath}:tag` });
      switch (tag & 7) {
        case 0: {
          const p = r.pos;
          r.skip();
          out.push({ pos: start + p, len: r.pos - p, path: fieldPath });
          break;
        }
        case 2: {
          const p = r.pos;
          const length = r.uint32();
          out.push({ pos: start + p, len: r.pos - p, path: `${fieldPath}:len` });
          const from = r.pos;
          r.skip(length);
          if (depth < 8 && looksLikeMessage(bytes.subarray(start + from, start + from + length))) {
            walk(bytes, start + from, start + from + length, fieldPath, depth + 1, out);
          }
          break;
        }
        case 1: r.skip(8); break;
        case 5: r.skip(4); break;
        default: return;
      }
    }
  } catch {
    /* damaged or not a message: keep what was found */
  }
}

function looksLikeMessage(b: Uint8Array): boolean {
  if (b.length === 0 || b.length > 1 << 20) return false;
  const r = Reader.create(b);
  try {
    while (r.pos < r.len) {
      const tag = r.uint32();
      const wt = tag & 7;
      if (tag >>> 3 === 0 || wt === 3 || wt === 4 || wt > 5) return false;
      r.skipType(wt);
    }
    return r.pos === r.len;
  } catch {
    return false;
  }
}

/** Little-endian base-128 encoding of a 64-bit two's-complement value. */
export function encodeVarint(value: bigint): Uint8Array {
  let v = BigInt.asUintN(64, value);
  const bytes: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    bytes.push(b);
  } while (v);
  return Uint8Array.from(bytes);
}

function splice(b: Uint8Array, pos: number, removeLen: number, insert: Uint8Array): Uint8Array {
  const out = new Uint8Array(b.length - removeLen + insert.length);
  out.set(b.subarray(0, pos));
  out.set(insert, pos);
  out.set(b.subarray(pos + removeLen), pos + insert.length);
  return out;
}

const VARINT_VALUES = [0n, 1n, 2n, 0x7fn, 0x80n, 2n ** 31n - 1n, 2n ** 32n, 2n ** 53n + 1n, 2n ** 63n - 1n, -1n, -(2n ** 40n)];
const HUGE_DIMS = [2n ** 31n, 2n ** 32n + 1n, 2n ** 40n, 2n ** 53n + 1n, 2n ** 62n, 2n ** 63n - 1n, -1n, -(2n ** 40n), 0n, 100000n];
const NUMBERS = ['0', '-1', '1e309', '4294967296', '99999999999999999999', '9007199254740993', '1000000', '3.5'];

export interface MutationInput {
  bytes: Uint8Array;
  /** A second file of the same kind, for splicing. */
  other: Uint8Array;
  /** Protobuf varint sites of `bytes` (empty for non-protobuf files). */
  sites: readonly VarintSite[];
}

/** Apply 1 to 3 random mutations; returns the new bytes and a short description of what was done. */
export function mutate(input: MutationInput, seed: number): { bytes: Uint8Array; ops: string[] } {
  const rand = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const int = (n: number): number => Math.floor(rand() * n);
  let b = input.bytes;
  // Sites refer to the original bytes; only the first structure-aware mutation may use them.
  let sitesValid = true;
  const ops: string[] = [];
  const count = 1 + int(3);
  for (let k = 0; k < count && b.length > 0; k++) {
    const kind = pick(['truncate', 'flip', 'bytes', 'splice', 'varint', 'dims', 'digits', 'flip', 'varint'] as const);
    if ((kind === 'varint' || kind === 'dims') && (!sitesValid || input.sites.length === 0)) {
      const p = int(b.length);
      b = Uint8Array.from(b);
      b[p] ^= 1 << int(8);
      ops.push(`flip@${p}`);
      continue;
    }
    switch (kind) {
      case 'truncate': {
        const at = int(b.length);
        b = b.slice(0, at);
        ops.push(`truncate@${at}`);
        break;
      }
      case 'flip': {
        b = Uint8Array.from(b);
        const n = 1 + int(8);
        for (let i = 0; i < n; i++) b[int(b.length)] ^= 1 << int(8);
        ops.push(`flip×${n}`);
        break;
      }
      case 'bytes': {
        b = Uint8Array.from(b);
        const p = int(b.length);
        const len = Math.min(b.length - p, 1 + int(8));
        const v = pick([0x00, 0xff, 0x7f, 0x80, int(256)]);
        b.fill(v, p, p + len);
        ops.push(`set${len}@${p}=${v}`);
        break;
      }
      case 'splice': {
        const cutA = int(b.length + 1);
        const cutB = int(input.other.length + 1);
        const out = new Uint8Array(cutA + input.other.length - cutB);
        out.set(b.subarray(0, cutA));
        out.set(input.other.subarray(cutB), cutA);
        b = out;
        ops.push(`splice@${cutA}/${cutB}`);
        break;
      }
      case 'varint': {
        const site = pick(input.sites);
        const value = pick(VARINT_VALUES);
        b = splice(b, site.pos, site.len, rand() < 0.1 ? new Uint8Array(11).fill(0xff) : encodeVarint(value));
        ops.push(`varint ${site.path}=${value}`);
        sitesValid = false;
        break;
      }
      case 'dims': {
        // TensorProto.dims (initializers, Constant tensors) and TensorShapeProto.dim.dim_value (inputs, outputs).
        const dims = input.sites.filter((s) => /(^|\/)5\/1$/.test(s.path) || /\/2\/1\/2\/1\/1$/.test(s.path));
        const site = dims.length > 0 ? pick(dims) : pick(input.sites);
        const value = pick(HUGE_DIMS);
        b = splice(b, site.pos, site.len, encodeVarint(value));
        ops.push(`dim ${site.path}=${value}`);
        sitesValid = false;
        break;
      }
      case 'digits': {
        const runs: number[] = [];
        for (let i = 0; i < b.length && runs.length < 64; i++) {
          if (b[i] >= 0x30 && b[i] <= 0x39 && (i === 0 || b[i - 1] < 0x30 || b[i - 1] > 0x39)) runs.push(i);
        }
        if (runs.length === 0) break;
        const at = pick(runs);
        let end = at;
        while (end < b.length && b[end] >= 0x30 && b[end] <= 0x39) end++;
        const text = pick(NUMBERS);
        b = splice(b, at, end - at, new TextEncoder().encode(text));
        ops.push(`digits@${at}=${text}`);
        sitesValid = false;
        break;
      }
    }
    if (kind === 'truncate' || kind === 'splice') sitesValid = false;
  }
  return { bytes: b, ops };
}
