/**
 * TensorProto → IrTensor in two steps, so that nothing is allocated for a file that is wrong anywhere:
 * `planTensor` checks dtype, dims, sizes and where the bytes are (raw_data, a typed field or external data)
 * against the limits; `materializeTensor` then decodes the bytes (little-endian, copying first because
 * raw_data may start at an unaligned offset inside the file buffer).
 */
import { endianness } from 'node:os';
import type { onnx } from 'onnx-proto';
import { InputError } from '../errors';
import type { Limits } from '../limits';
import type { IrTensor } from './ir';
import { dtypeInfo, dtypeLabel, type DTypeInfo } from './dtype';
import { planExternalData, readExternalSlice, type ExternalSlice } from './external-data';
import { bfloat16ToFloat, halfToFloat } from './float16';
import { formatInt64, int64ToExactNumber, int64ToNumber, type Int64Value, type LongLike } from './int64';

/** Far beyond any real tensor's rank; stops a crafted dims list from costing time and memory. */
const MAX_RANK = 64;

export type TensorSource =
  | { kind: 'raw'; bytes: Uint8Array }
  | { kind: 'typed'; values: ArrayLike<Int64Value> }
  | { kind: 'external'; slice: ExternalSlice }
  | { kind: 'empty' };

export interface TensorPlan {
  /** "initializer 'conv1.weight'" or similar, for messages. */
  what: string;
  dataType: number;
  info: DTypeInfo;
  dims: number[];
  count: number;
  source: TensorSource;
}

const TYPED_FIELDS = ['floatData', 'doubleData', 'int32Data', 'int64Data', 'uint64Data'] as const;
const FIELD_NAMES: Record<(typeof TYPED_FIELDS)[number], string> = {
  floatData: 'float_data',
  doubleData: 'double_data',
  int32Data: 'int32_data',
  int64Data: 'int64_data',
  uint64Data: 'uint64_data',
};

/** Validate a tensor completely without allocating its data. */
export function planTensor(t: onnx.ITensorProto, what: string, file: string, limits: Limits): TensorPlan {
  const invalid = (message: string): never => {
    throw new InputError('MODEL_INVALID', file, `${what} ${message}`);
  };
  const dataType = t.dataType ?? 0;
  if (dataType === 0) return invalid('has no data type');
  const info = dtypeInfo(dataType);
  if (!info) throw new InputError('MODEL_UNSUPPORTED', file, `${what} has element type ${dtypeLabel(dataType)}, which is not supported`);
  if (t.segment) throw new InputError('MODEL_UNSUPPORTED', file, `${what} is a segmented tensor, which is not supported`);

  const rawDims = t.dims ?? [];
  if (rawDims.length > MAX_RANK) return invalid(`has ${rawDims.length} dimensions (more than ${MAX_RANK})`);
  const dims = rawDims.map((d, i) => {
    const n = int64ToExactNumber(d as Int64Value);
    if (n === null) return invalid(`has dimension ${i} too large to represent (${formatInt64(d as Int64Value)})`);
    if (n < 0) return invalid(`has a negative dimension ${i} (${n})`);
    return n;
  });
  const count = elementCount(dims, what, file, limits);
  const byteLength = count * info.bytes;

  const typedPresent = TYPED_FIELDS.filter((f) => (t[f]?.length ?? 0) > 0);
  if ((t.stringData?.length ?? 0) > 0) return invalid('stores strings but its type is not string');
  const raw = t.rawData && t.rawData.length > 0 ? t.rawData : null;

  let source: TensorSource;
  if (t.dataLocation === 1) {
    source = { kind: 'external', slice: planExternalData(t.externalData ?? [], byteLength, file, what) };
  } else if (raw) {
    if (typedPresent.length > 0) return invalid(`has both raw_data and ${FIELD_NAMES[typedPresent[0]]}`);
    if (raw.length !== byteLength) {
      return invalid(`has ${raw.length} bytes of raw_data but its dims [${dims.join(', ')}] and type ${info.name} need ${byteLength}`);
    }
    source = { kind: 'raw', bytes: raw };
  } else if (typedPresent.length > 0) {
    const field = typedPresent[0];
    if (typedPresent.length > 1 || field !== info.field) {
      return invalid(`stores its values in ${typedPresent.map((f) => FIELD_NAMES[f]).join(' and ')}, but ${info.name} values belong in ${FIELD_NAMES[info.field]}`);
    }
    const values = t[field] as ArrayLike<Int64Value>;
    if (values.length !== count) {
      return invalid(`has ${values.length} values but its dims [${dims.join(', ')}] need ${count}`);
    }
    source = { kind: 'typed', values };
  } else {
    if (count > 0) return invalid(`has dims [${dims.join(', ')}] but no data`);
    source = { kind: 'empty' };
  }
  return { what, dataType, info, dims, count, source };
}

/** Product of dims, refusing overflow (corrupt) and the element cap (limit). */
function elementCount(dims: number[], what: string, file: string, limits: Limits): number {
  if (dims.includes(0)) return 0;
  let count = 1;
  for (const d of dims) {
    count *= d;
    if (!Number.isSafeInteger(count)) {
      throw new InputError('MODEL_INVALID', file, `${what} has dims [${dims.join(', ')}] whose product overflows`);
    }
  }
  if (count > limits.maxTensorElements) {
    throw new InputError(
      'LIMIT_EXCEEDED',
      file,
      `${what} has ${count} elements, more than the limit of ${limits.maxTensorElements} per tensor (maxTensorElements)`,
    );
  }
  return count;
}

/** Decode a planned tensor's values. */
export function materializeTensor(plan: TensorPlan, file: string): IrTensor {
  let source = plan.source;
  if (source.kind === 'external') source = { kind: 'raw', bytes: readExternalSlice(source.slice, file, plan.what) };
  const dims = [...plan.dims];
  if (plan.info.kind === 'float') return { kind: 'float', dims, data: decodeFloats(plan, source) };
  return { kind: 'int', dims, data: decodeInts(plan, source, file) };
}

const LITTLE_ENDIAN_HOST = endianness() === 'LE';

function decodeFloats(plan: TensorPlan, source: TensorSource): Float32Array {
  if (source.kind === 'empty') return new Float32Array(plan.count);
  if (source.kind === 'typed') {
    const out = new Float32Array(plan.count);
    const v = source.values as ArrayLike<number>;
    if (plan.dataType === 10) for (let i = 0; i < out.length; i++) out[i] = halfToFloat(v[i] & 0xffff);
    else if (plan.dataType === 16) for (let i = 0; i < out.length; i++) out[i] = bfloat16ToFloat(v[i] & 0xffff);
    else for (let i = 0; i < out.length; i++) out[i] = v[i];
    return out;
  }
  if (source.kind !== 'raw') throw new Error('unreachable: external data is read before decoding');
  const raw = source.bytes;
  if (plan.dataType === 1 && LITTLE_ENDIAN_HOST) {
    // A view on the file's bytes where raw_data happens to start 4-aligned: no copy, so a model's weights are held
    // once, not twice, while it loads (the caller keeps the file's bytes to write the pruned model from). Nothing
    // writes into an IrTensor's data (prune and the exports copy first). Elsewhere copy: a Float32Array cannot start
    // at an unaligned offset.
    if (raw.byteOffset % 4 === 0) return new Float32Array(raw.buffer, raw.byteOffset, plan.count);
    const out = new Float32Array(plan.count);
    new Uint8Array(out.buffer).set(raw);
    return out;
  }
  const out = new Float32Array(plan.count);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  switch (plan.dataType) {
    case 1:
      for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
      break;
    case 11:
      for (let i = 0; i < out.length; i++) out[i] = view.getFloat64(i * 8, true);
      break;
    case 10:
      for (let i = 0; i < out.length; i++) out[i] = halfToFloat(view.getUint16(i * 2, true));
      break;
    case 16:
      for (let i = 0; i < out.length; i++) out[i] = bfloat16ToFloat(view.getUint16(i * 2, true));
      break;
  }
  return out;
}

function decodeInts(plan: TensorPlan, source: TensorSource, file: string): number[] {
  const out = new Array<number>(plan.count);
  const toNumber = (v: Int64Value, i: number): number => {
    const n = int64ToNumber(v);
    if (n === null) {
      throw new InputError('MODEL_UNSUPPORTED', file, `${plan.what} holds value ${formatInt64(v)} at index ${i}, beyond the 2^53 that can be represented exactly`);
    }
    return n;
  };
  if (source.kind === 'empty') return out.fill(0);
  if (source.kind === 'typed') {
    for (let i = 0; i < out.length; i++) {
      const v = source.values[i];
      out[i] = plan.dataType === 9 ? (v ? 1 : 0) : toNumber(v, i);
    }
    return out;
  }
  if (source.kind !== 'raw') throw new Error('unreachable: external data is read before decoding');
  const view = new DataView(source.bytes.buffer, source.bytes.byteOffset, source.bytes.byteLength);
  const long = (i: number, unsigned: boolean): LongLike => ({
    low: view.getUint32(i * 8, true),
    high: unsigned ? view.getUint32(i * 8 + 4, true) : view.getInt32(i * 8 + 4, true),
    unsigned,
  });
  for (let i = 0; i < out.length; i++) {
    switch (plan.dataType) {
      case 2: out[i] = view.getUint8(i); break;
      case 3: out[i] = view.getInt8(i); break;
      case 4: out[i] = view.getUint16(i * 2, true); break;
      case 5: out[i] = view.getInt16(i * 2, true); break;
      case 6: out[i] = view.getInt32(i * 4, true); break;
      case 7: out[i] = toNumber(long(i, false), i); break;
      case 9: out[i] = view.getUint8(i) ? 1 : 0; break;
      case 12: out[i] = view.getUint32(i * 4, true); break;
      case 13: out[i] = toNumber(long(i, true), i); break;
    }
  }
  return out;
}
