/**
 * Decodes one PNG or JPEG file (chosen by its magic bytes, not its extension) to 8-bit RGBA with pngjs / jpeg-js.
 * The image size is read from the header *before* decoding, so an oversized image (or a decompression bomb) is
 * rejected without allocating its pixels. 16-bit PNGs are rescaled to 8 bits by pngjs; alpha is carried along
 * but callers ignore it (images are used as the model sees RGB/gray pixels).
 */

import { PNG } from 'pngjs';
import * as jpeg from 'jpeg-js';
import { InputError } from '../errors';
import type { DataLimits } from './limits';

export interface RgbaImage {
  width: number;
  height: number;
  /** width*height*4 bytes, row-major RGBA. */
  rgba: Uint8Array;
}

export type ImageFormat = 'png' | 'jpeg';

export function sniffImageFormat(bytes: Uint8Array): ImageFormat | null {
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return null;
}

/** Width and height from the PNG IHDR chunk or the JPEG start-of-frame marker; null if not found. */
export function peekImageSize(bytes: Uint8Array, format: ImageFormat): { width: number; height: number } | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (format === 'png') {
    // Signature (8) + IHDR length (4) + "IHDR" (4), then width and height, big-endian.
    if (bytes.length < 24 || String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR') return null;
    return { width: view.getUint32(16), height: view.getUint32(20) };
  }
  let p = 2;
  while (p + 4 <= bytes.length) {
    if (bytes[p] !== 0xff) return null;
    const marker = bytes[p + 1]!;
    if (marker === 0xff) {
      p++; // fill byte
      continue;
    }
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      p += 2; // markers without a length
      continue;
    }
    const isStartOfFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isStartOfFrame) {
      if (p + 9 > bytes.length) return null;
      return { height: view.getUint16(p + 5), width: view.getUint16(p + 7) };
    }
    if (marker === 0xda || marker === 0xd9) return null; // scan data or end before any frame header
    p += 2 + view.getUint16(p + 2);
  }
  return null;
}

/**
 * Decodes `bytes` (the contents of `file`). `expect` (optional) is the required H×W, checked from the header
 * before decoding. Errors name `file`: DATA_INVALID (not an image, corrupt), DATA_MISMATCH (wrong size),
 * LIMIT_EXCEEDED (resolution over the cap).
 */
export function decodeImage(
  bytes: Uint8Array,
  file: string,
  limits: DataLimits,
  expect?: { height: number; width: number },
): RgbaImage {
  const format = sniffImageFormat(bytes);
  if (!format) throw new InputError('DATA_INVALID', file, 'not a PNG or JPEG image (unrecognised file signature)');
  const size = peekImageSize(bytes, format);
  if (!size) throw new InputError('DATA_INVALID', file, `corrupt ${format.toUpperCase()} (no image header found)`);
  checkSize(size, file, limits, expect);

  let decoded: RgbaImage;
  try {
    if (format === 'png') {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      decoded = { width: png.width, height: png.height, rgba: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length) };
    } else {
      const img = jpeg.decode(bytes, {
        useTArray: true,
        formatAsRGBA: true,
        maxResolutionInMP: limits.maxImageMegapixels,
        maxMemoryUsageInMB: limits.maxImageDecodeMB,
      });
      decoded = { width: img.width, height: img.height, rgba: img.data };
    }
  } catch (e) {
    throw new InputError('DATA_INVALID', file, `corrupt ${format.toUpperCase()}: ${(e as Error).message}`);
  }
  // The header we peeked and the decoder must agree; re-check what the decoder actually produced.
  checkSize(decoded, file, limits, expect);
  if (decoded.rgba.length !== decoded.width * decoded.height * 4) {
    throw new InputError('DATA_INVALID', file, `corrupt ${format.toUpperCase()}: decoded pixel data has the wrong length`);
  }
  return decoded;
}

function checkSize(
  size: { width: number; height: number },
  file: string,
  limits: DataLimits,
  expect?: { height: number; width: number },
): void {
  if (size.width * size.height > limits.maxImageMegapixels * 1e6) {
    throw new InputError(
      'LIMIT_EXCEEDED',
      file,
      `image is ${size.width}×${size.height} pixels, over the ${limits.maxImageMegapixels} megapixel limit`,
    );
  }
  if (expect && (size.height !== expect.height || size.width !== expect.width)) {
    throw new InputError(
      'DATA_MISMATCH',
      file,
      `image is ${size.height}×${size.width} (H×W) but the model expects ${expect.height}×${expect.width}; ` +
        'images are not resized, resize them first',
    );
  }
}
