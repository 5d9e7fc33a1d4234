/**
 * Where a model's weights sit in memory while it loads. onnx/tensor.ts uses a float tensor's raw_data in place (a
 * view on the file's bytes) when it starts on a 4-byte boundary, and copies it otherwise. The file fixes each
 * tensor's offset modulo 4, but where the buffer holding the file starts is ours to choose: this picks the start
 * that aligns the most float bytes and, when that is not where the bytes are now, moves them once and re-points the
 * decoded raw_data views into the moved bytes. Measured on torchvision's vgg11_bn (515 MB, its 224×224 export):
 * 19 MB of its floats were aligned as read and 401 MB after the move; the read took 0.39 s instead of 0.71 s, with RSS
 * 795 MB after it instead of 1196 MB (one machine, one run each).
 */
import type { onnx } from 'onnx-proto';

/**
 * Below this many bytes to gain, the move is not worth a copy of the whole file (which it is, briefly, in memory
 * twice); above it, what stays in memory is the file once plus the few misaligned copies.
 */
const MIN_GAIN_BYTES = 1 << 16;

/** Room the reader leaves after a model file's bytes (readRegularFile's `spare`), so that the move is in place. */
export const ALIGN_SPARE_BYTES = 3;

/**
 * The bytes `model` was decoded from, moved if that aligns more float raw_data; `model`'s views follow them. With
 * `owned` (the reader's own buffer, with room after the bytes) the move is a memmove within that buffer: no second
 * copy of the file in memory, and no fresh pages to fault in (measured on vgg11_bn: a copy to a new buffer added
 * 1.0 s and 520 MB of peak RSS to the read). Otherwise the bytes are copied, and the caller's stay as they were.
 */
export function alignRawData(model: onnx.ModelProto, bytes: Uint8Array, owned: boolean): Uint8Array {
  const floats = (model.graph?.initializer ?? []).filter((t) => t.dataType === 1 && t.rawData && t.rawData.length > 0 && t.rawData.buffer === bytes.buffer);
  // Aligned bytes by the start shift (0–3) of a fresh buffer that would align them.
  const byShift = [0, 0, 0, 0];
  for (const t of floats) {
    const at = t.rawData!.byteOffset - bytes.byteOffset;
    byShift[(4 - (at % 4)) % 4] += t.rawData!.length;
  }
  const now = bytes.byteOffset % 4;
  const best = byShift.indexOf(Math.max(...byShift));
  if (byShift[best] - byShift[now] < MIN_GAIN_BYTES) return bytes;
  const forward = (best - now + 4) % 4;
  let moved: Uint8Array;
  if (owned && bytes.byteOffset + forward + bytes.length <= bytes.buffer.byteLength) {
    moved = new Uint8Array(bytes.buffer, bytes.byteOffset + forward, bytes.length);
    new Uint8Array(bytes.buffer).copyWithin(bytes.byteOffset + forward, bytes.byteOffset, bytes.byteOffset + bytes.length);
  } else {
    moved = new Uint8Array(new ArrayBuffer(bytes.length + best), best, bytes.length);
    moved.set(bytes);
  }
  // Every bytes field of the decoded model is a view on the buffer (raw_data of int tensors, string attributes, ...);
  // after a move in place the old positions hold other bytes, so all of them follow, not only the floats.
  repoint(model, bytes, moved);
  return moved;
}

/** Re-points every Uint8Array view on `from`'s buffer, anywhere in the decoded message tree, to the same bytes in `to`. */
function repoint(node: unknown, from: Uint8Array, to: Uint8Array): void {
  if (node === null || typeof node !== 'object') return;
  const holder = node as Record<string, unknown>;
  for (const key of Object.keys(holder)) {
    const v = holder[key];
    if (v instanceof Uint8Array) {
      if (v.buffer === from.buffer && v.length > 0) {
        const at = v.byteOffset - from.byteOffset;
        holder[key] = to.subarray(at, at + v.length);
      }
    } else if (typeof v === 'object' && v !== null) {
      repoint(v, from, to);
    }
  }
}
