/**
 * The .npy format (numpy's single-array file, https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html):
 * magic "\x93NUMPY", version 1/2/3, a little-endian header length, a Python-literal dict
 * {'descr', 'fortran_order', 'shape'}, then the raw C-order elements. Parsing validates everything against the
 * real byte count and the size cap before building a typed array, so a lying header cannot cause an allocation.
 */

import { InputError, showName } from '../errors';
import { formatBytes } from './limits';
import { parsePythonLiteral, PyLiteralError, type PyValue } from './python-literal';

export type NpyDtype =
  | 'bool'
  | 'uint8'
  | 'int8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'float32'
  | 'float64';

export type NpyData =
  | Uint8Array
  | Int8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | Float32Array
  | Float64Array;

/** One array: C-order elements in a typed array of its dtype (bool as 0/1 bytes). */
export interface NpyArray {
  dtype: NpyDtype;
  shape: number[];
  data: NpyData;
}

interface DtypeInfo {
  dtype: NpyDtype;
  itemsize: number;
  /** The descr numpy writes for it (little-endian). */
  descr: string;
  make(buffer: ArrayBuffer, byteOffset: number, length: number): NpyData;
}

const DTYPES: DtypeInfo[] = [
  { dtype: 'bool', itemsize: 1, descr: '|b1', make: (b, o, n) => new Uint8Array(b, o, n) },
  { dtype: 'uint8', itemsize: 1, descr: '|u1', make: (b, o, n) => new Uint8Array(b, o, n) },
  { dtype: 'int8', itemsize: 1, descr: '|i1', make: (b, o, n) => new Int8Array(b, o, n) },
  { dtype: 'int16', itemsize: 2, descr: '<i2', make: (b, o, n) => new Int16Array(b, o, n) },
  { dtype: 'uint16', itemsize: 2, descr: '<u2', make: (b, o, n) => new Uint16Array(b, o, n) },
  { dtype: 'int32', itemsize: 4, descr: '<i4', make: (b, o, n) => new Int32Array(b, o, n) },
  { dtype: 'uint32', itemsize: 4, descr: '<u4', make: (b, o, n) => new Uint32Array(b, o, n) },
  { dtype: 'int64', itemsize: 8, descr: '<i8', make: (b, o, n) => new BigInt64Array(b, o, n) },
  { dtype: 'uint64', itemsize: 8, descr: '<u8', make: (b, o, n) => new BigUint64Array(b, o, n) },
  { dtype: 'float32', itemsize: 4, descr: '<f4', make: (b, o, n) => new Float32Array(b, o, n) },
  { dtype: 'float64', itemsize: 8, descr: '<f8', make: (b, o, n) => new Float64Array(b, o, n) },
];

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"
/** numpy itself refuses headers over 10000 bytes by default; allow more, but never a 4 GB "header". */
const MAX_HEADER_BYTES = 1 << 20;

/** Where an array came from, for error messages: the file and the array's name inside it. */
export interface NpyOrigin {
  file: string;
  name: string;
}

function invalid(origin: NpyOrigin, problem: string): InputError {
  return new InputError('DATA_INVALID', origin.file, `array '${showName(origin.name)}': ${problem}`);
}

export function dtypeInfo(dtype: NpyDtype): DtypeInfo {
  return DTYPES.find((d) => d.dtype === dtype)!;
}

/** '<f4' → float32 and whether bytes must be swapped; unsupported descrs are a clear error. */
function parseDescr(descr: PyValue | undefined, origin: NpyOrigin): { info: DtypeInfo; bigEndian: boolean } {
  if (typeof descr !== 'string') {
    throw invalid(origin, 'structured or non-string dtypes are not supported (need a plain numeric array)');
  }
  const m = /^([<>|=]?)([biuf])(\d+)$/.exec(descr);
  const info = m ? DTYPES.find((d) => d.descr.slice(1) === `${m[2]}${m[3]}`) : undefined;
  if (!m || !info) {
    throw invalid(
      origin,
      `dtype '${showName(descr)}' is not supported (supported: ${DTYPES.map((d) => d.descr).join(' ')}, big-endian too)`,
    );
  }
  // '=' is native order; numpy only writes it for 1-byte types, and every platform we run on is little-endian.
  return { info, bigEndian: m[1] === '>' && info.itemsize > 1 };
}

function parseShape(shape: PyValue | undefined, origin: NpyOrigin): number[] {
  if (!Array.isArray(shape)) throw invalid(origin, `header 'shape' is not a tuple`);
  return shape.map((dim) => {
    if (typeof dim !== 'number' || !Number.isSafeInteger(dim) || dim < 0) {
      throw invalid(origin, `header 'shape' has an invalid dimension ${showName(JSON.stringify(dim) ?? String(dim))}`);
    }
    return dim;
  });
}

export function formatShape(shape: readonly number[]): string {
  return `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;
}

/** Element count of a shape, or null when shape×itemsize would exceed `maxBytes` (checked before any overflow). */
function boundedElementCount(shape: number[], itemsize: number, maxBytes: number): number | null {
  if (shape.includes(0)) return 0;
  let count = 1;
  for (const dim of shape) {
    count *= dim;
    if (count * itemsize > maxBytes) return null;
  }
  return count;
}

/** What an .npy header declares, and where its data starts. */
export interface NpyHeader {
  dtype: NpyDtype;
  shape: number[];
  bigEndian: boolean;
  /** Byte offset of the first element. */
  dataStart: number;
  /** Bytes of data the shape and dtype need (checked against `maxBytes`). */
  payloadBytes: number;
}

/** Bytes needed to read the header of an .npy starting with `head`, or null when `head` is too short to tell. */
function headerEnd(head: Uint8Array): number | null {
  if (head.length < 8) return null;
  const major = head[6]!;
  const start = major === 1 ? 10 : 12;
  if (head.length < start) return null;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  return start + (major === 1 ? view.getUint16(8, true) : view.getUint32(8, true));
}

/**
 * Parses the header of an .npy from its first bytes (`head`; the whole entry or a prefix of it): the same checks
 * and errors as parseNpy, including LIMIT_EXCEEDED when shape × dtype is over `maxBytes`. Returns null when `head`
 * ends before the header does (and `complete` is false): the caller reads more. So the declared size of an array
 * is known, and capped, before its data is inflated.
 */
export function peekNpyHeader(head: Uint8Array, origin: NpyOrigin, maxBytes: number, complete = true): NpyHeader | null {
  const more = (): null => {
    if (complete) throw invalid(origin, 'truncated .npy header');
    return null;
  };
  if (head.length < 10 && !complete && MAGIC.every((b, i) => i >= head.length || head[i] === b)) return null;
  if (head.length < 10 || MAGIC.some((b, i) => head[i] !== b)) {
    throw invalid(origin, 'not an .npy array (missing the \\x93NUMPY magic)');
  }
  const major = head[6]!;
  if (major < 1 || major > 3) throw invalid(origin, `unsupported .npy format version ${major}.${head[7]}`);
  const headerStart = major === 1 ? 10 : 12;
  const end = headerEnd(head);
  if (end === null) return more();
  const headerLength = end - headerStart;
  if (headerLength > MAX_HEADER_BYTES) {
    throw invalid(origin, `.npy header claims ${headerLength} bytes (more than ${MAX_HEADER_BYTES}); file is corrupt`);
  }
  if (end > head.length) return more();

  const headerText = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(head.subarray(headerStart, end));
  let header: PyValue;
  try {
    header = parsePythonLiteral(headerText);
  } catch (e) {
    if (e instanceof PyLiteralError) throw invalid(origin, `malformed .npy header (${e.message})`);
    throw e;
  }
  if (!(header instanceof Map)) throw invalid(origin, '.npy header is not a dict');

  const { info, bigEndian } = parseDescr(header.get('descr'), origin);
  const fortran = header.get('fortran_order');
  if (typeof fortran !== 'boolean') throw invalid(origin, `header 'fortran_order' is not True/False`);
  const shape = parseShape(header.get('shape'), origin);
  if (fortran && shape.filter((d) => d > 1).length > 1) {
    throw invalid(
      origin,
      'is stored in Fortran (column-major) order, which is not supported; save np.ascontiguousarray(a) instead',
    );
  }

  const count = boundedElementCount(shape, info.itemsize, maxBytes);
  if (count === null) {
    throw new InputError(
      'LIMIT_EXCEEDED',
      origin.file,
      `array '${showName(origin.name)}': shape ${formatShape(shape)} of ${info.dtype} would need more than the ` +
        `${formatBytes(maxBytes)} limit`,
    );
  }
  return { dtype: info.dtype, shape, bigEndian, dataStart: end, payloadBytes: count * info.itemsize };
}

/**
 * Parses one .npy payload. `bytes` is the whole entry; the returned array may view into its buffer.
 * Errors: DATA_INVALID for malformed/truncated content, LIMIT_EXCEEDED when the header claims more than `maxBytes`.
 */
export function parseNpy(bytes: Uint8Array, origin: NpyOrigin, maxBytes: number): NpyArray {
  const h = peekNpyHeader(bytes, origin, maxBytes, true)!;
  const info = dtypeInfo(h.dtype);
  const { shape, dataStart, bigEndian } = h;
  const needed = h.payloadBytes;
  const count = needed / info.itemsize;
  const have = bytes.length - dataStart;
  if (have !== needed) {
    throw invalid(
      origin,
      `holds ${have} bytes of data but shape ${formatShape(shape)} of ${info.dtype} needs ${needed}` +
        (have < needed ? ' (file is truncated)' : ''),
    );
  }

  const offset = bytes.byteOffset + dataStart;
  let data: NpyData;
  if (!bigEndian && offset % info.itemsize === 0) {
    data = info.make(bytes.buffer as ArrayBuffer, offset, count);
  } else {
    // Unaligned or big-endian payload: copy (swapping byte order if needed) into a fresh aligned buffer.
    const copy = new Uint8Array(needed);
    copy.set(bytes.subarray(dataStart));
    if (bigEndian) swapBytes(copy, info.itemsize);
    data = info.make(copy.buffer, 0, count);
  }
  return { dtype: info.dtype, shape, data };
}

function swapBytes(bytes: Uint8Array, itemsize: number): void {
  for (let i = 0; i < bytes.length; i += itemsize) {
    for (let a = i, b = i + itemsize - 1; a < b; a++, b--) {
      const t = bytes[a]!;
      bytes[a] = bytes[b]!;
      bytes[b] = t;
    }
  }
}

/** Serialises an array as .npy (version 1, or 2 if the header would not fit), header padded to 64 bytes. */
export function encodeNpy(array: NpyArray): Uint8Array {
  const info = dtypeInfo(array.dtype);
  const count = array.shape.reduce((a, b) => a * b, 1);
  if (array.data.length !== count) {
    throw new Error(`encodeNpy: data has ${array.data.length} elements but shape ${formatShape(array.shape)} needs ${count}`);
  }
  const dict = `{'descr': '${info.descr}', 'fortran_order': False, 'shape': ${formatShape(array.shape)}, }`;
  const encode = (prefix: number): string => {
    const unpadded = prefix + dict.length + 1; // +1 for the terminating newline
    return dict + ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  };
  let version = 1;
  let header = encode(10);
  if (header.length > 0xffff) {
    version = 2;
    header = encode(12);
  }
  const prefix = version === 1 ? 10 : 12;
  const payload = new Uint8Array(array.data.buffer, array.data.byteOffset, array.data.byteLength);
  const out = new Uint8Array(prefix + header.length + payload.length);
  out.set(MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[prefix + i] = header.charCodeAt(i);
  out.set(payload, prefix + header.length);
  return out;
}
