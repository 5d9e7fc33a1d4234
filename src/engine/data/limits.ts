/**
 * Safety caps for reading data files. Every reader checks sizes against these *before* allocating, so a hostile
 * or corrupt file (a zip bomb, an .npy header claiming 10^12 elements, a folder of a million files, a FIFO or
 * /dev/zero named like an image) fails fast with a LIMIT_EXCEEDED or DATA_INVALID InputError instead of exhausting
 * memory or blocking. For an .npz, the zip entry's declared size and then the .npy header's shape × dtype are
 * checked before a byte is inflated.
 */

export interface DataLimits {
  /** Cap on the bytes any one decoded array may take (zip entry, .npy payload, an image folder's pixels). */
  maxBytes: number;
  /**
   * Cap on the bytes one data set takes once loaded: the arrays read from an .npz together (as declared, checked
   * before inflating), and the float32 tensor its samples become (uint8 images grow 4×).
   */
  maxDatasetBytes: number;
  /** Cap on one image file's size in an image folder (checked before reading it). */
  maxImageFileBytes: number;
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
  // 512 MB: a defense set is a few thousand samples (5 000 CIFAR images are 61 MB as float32) and a test set
  // 10 000 (123 MB); what trains on top of it stays well under the worker's default memory.
  maxDatasetBytes: 512e6,
  // A data set's images are small (a 224×224 PNG is ~100 kB); 64 MiB leaves room for any sane image.
  maxImageFileBytes: 64 * 1024 * 1024,
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
