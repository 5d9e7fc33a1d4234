/**
 * The ONNX tensor element types the reader understands: their byte size, whether they become Float32Array or
 * plain numbers in the IR, and which typed `*_data` field stores them when raw_data is not used (onnx.proto's
 * TensorProto comments define that mapping).
 */

export type TypedField = 'floatData' | 'doubleData' | 'int32Data' | 'int64Data' | 'uint64Data';

export interface DTypeInfo {
  name: string;
  bytes: number;
  kind: 'float' | 'int';
  field: TypedField;
}

const SUPPORTED: Record<number, DTypeInfo> = {
  1: { name: 'float32', bytes: 4, kind: 'float', field: 'floatData' },
  2: { name: 'uint8', bytes: 1, kind: 'int', field: 'int32Data' },
  3: { name: 'int8', bytes: 1, kind: 'int', field: 'int32Data' },
  4: { name: 'uint16', bytes: 2, kind: 'int', field: 'int32Data' },
  5: { name: 'int16', bytes: 2, kind: 'int', field: 'int32Data' },
  6: { name: 'int32', bytes: 4, kind: 'int', field: 'int32Data' },
  7: { name: 'int64', bytes: 8, kind: 'int', field: 'int64Data' },
  9: { name: 'bool', bytes: 1, kind: 'int', field: 'int32Data' },
  // float16 and bfloat16 keep their bit patterns in int32_data when not raw.
  10: { name: 'float16', bytes: 2, kind: 'float', field: 'int32Data' },
  11: { name: 'float64', bytes: 8, kind: 'float', field: 'doubleData' },
  12: { name: 'uint32', bytes: 4, kind: 'int', field: 'uint64Data' },
  13: { name: 'uint64', bytes: 8, kind: 'int', field: 'uint64Data' },
  16: { name: 'bfloat16', bytes: 2, kind: 'float', field: 'int32Data' },
};

/** Names of the types we know but cannot compute with, for the error message. */
const KNOWN_UNSUPPORTED: Record<number, string> = {
  8: 'string',
  14: 'complex64',
  15: 'complex128',
  17: 'float8e4m3fn',
  18: 'float8e4m3fnuz',
  19: 'float8e5m2',
  20: 'float8e5m2fnuz',
  21: 'uint4',
  22: 'int4',
  23: 'float4e2m1',
};

export function dtypeInfo(dataType: number): DTypeInfo | undefined {
  return SUPPORTED[dataType];
}

/** The type's ONNX name ('float32', 'string'), or 'type 99' for a number ONNX does not define. */
export function dtypeName(dataType: number): string {
  return SUPPORTED[dataType]?.name ?? KNOWN_UNSUPPORTED[dataType] ?? `type ${dataType}`;
}

/** 'string (8)' for known names, 'unknown type 99' otherwise; used in error messages. */
export function dtypeLabel(dataType: number): string {
  const name = SUPPORTED[dataType]?.name ?? KNOWN_UNSUPPORTED[dataType];
  return name ? `${name} (${dataType})` : `unknown type ${dataType}`;
}
