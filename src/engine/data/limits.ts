/**
 * Safety caps for reading data files. Every reader checks sizes against these *before* allocating, so a hostile
 * or corrupt file (a zip bomb, an .npy header claiming 10^12 elements, a folder of a million files) fails fast with
 * a LIMIT_EXCEEDED InputError instead of exhausting memory.
 */

export interface DataLimits {
  /** Cap on the bytes any one decoded array or tensor may take (zip entry, .npy payload, float tensor). */
  maxBytes: number;
  /** Cap on the number of entries in a zip archive (.npz). */
  maxZipEntries: number;
  /** Cap on the number of image files in an image folder. */
  maxFiles: number;
  /** Cap on one image's resolution, in megapixels (also passed to jpeg-js). */
  maxImageMegapixels: number;
  /** Cap on jpeg-js's working memory per image, in MB. */
  maxImageDecodeMB: number;
}

export const DEFAULT_DATA_LIMITS: Readonly<DataLimits> = Object.freeze({
  maxBytes: 2e9,
  maxZipEntries: 1000,
  maxFiles: 200_000,
  maxImageMegapixels: 64,
  maxImageDecodeMB: 512,
});

/** Defaults overridden by whatever the caller set. */
export function resolveLimits(limits?: Partial<DataLimits>): DataLimits {
  return { ...DEFAULT_DATA_LIMITS, ...(limits ?? {}) };
}

/** Bytes as a short human string for error messages ("2.0 GB"). */
export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(1)} kB`;
  return `${bytes} bytes`;
}
