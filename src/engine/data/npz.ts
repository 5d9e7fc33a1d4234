/**
 * .npz files (numpy's `np.savez` / `np.savez_compressed`): a zip archive of `NAME.npy` entries. Reading goes
 * through ZipReader (caps checked before anything is inflated) and parseNpy (header checked against the real byte
 * count); writing produces a stored zip numpy can load, written atomically.
 */

import { zipSync, type Zippable } from 'fflate';
import { InputError, showName } from '../errors';
import { writeFileAtomic } from '../atomic-write';
import { type DataLimits, resolveLimits, formatBytes } from './limits';
import { encodeNpy, formatShape, parseNpy, peekNpyHeader, type NpyArray, type NpyDtype } from './npy';
import { ZipReader } from './zip-reader';

export interface NpzContents {
  file: string;
  /** Names of every array in the archive (entry names without `.npy`), in archive order. */
  keys: string[];
  /** The arrays that were read (all of them, or those named in `only`). */
  arrays: Map<string, NpyArray>;
}

export interface ReadNpzOptions {
  /** Read just these arrays (names missing from the archive are simply absent from `arrays`). */
  only?: readonly string[];
  /**
   * Sees each array's declared dtype and shape (its .npy header) before its data is inflated; may throw (e.g. a
   * LIMIT_EXCEEDED for what the array would become) so that nothing of it is allocated.
   */
  checkHeader?: (name: string, header: { dtype: NpyDtype; shape: readonly number[] }) => void;
}

export async function readNpz(
  file: string,
  limits?: Partial<DataLimits>,
  options: ReadNpzOptions = {},
): Promise<NpzContents> {
  const caps = resolveLimits(limits);
  const zip = await ZipReader.open(file);
  try {
    const entries = await zip.entries(caps.maxZipEntries);
    const keys = entries.map((e) => e.name.replace(/\.npy$/, ''));
    const arrays = new Map<string, NpyArray>();
    // The caps, in the order they are met, all before an entry's data is inflated: the zip entry's declared size
    // (per array, maxBytes; all arrays read, maxDatasetBytes), then the .npy header's shape × dtype (the same caps,
    // and it must match the declared size), then the caller's checkHeader. Inflation stops at the declared size.
    let total = 0;
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      const name = keys[i]!;
      if (options.only && !options.only.includes(name)) continue;
      if (!entry.name.endsWith('.npy')) {
        throw new InputError('DATA_INVALID', file, `entry '${showName(entry.name)}' is not an .npy array; not an .npz file?`);
      }
      const label = `array '${showName(name)}'`;
      total += entry.uncompressedSize;
      // (An entry over the cap by itself gets extract()'s more specific message.)
      if (total > caps.maxDatasetBytes && entry.uncompressedSize <= caps.maxBytes) {
        throw new InputError(
          'LIMIT_EXCEEDED',
          file,
          `${label}: the arrays read so far total ${formatBytes(total)}, over the ${formatBytes(caps.maxDatasetBytes)} data set limit (maxDatasetBytes)`,
        );
      }
      const origin = { file, name };
      const inspect = (head: Uint8Array, complete: boolean): boolean => {
        const h = peekNpyHeader(head, origin, caps.maxBytes, complete);
        if (!h) return false;
        const have = entry.uncompressedSize - h.dataStart;
        if (have !== h.payloadBytes) {
          // parseNpy's message, before inflating what the zip entry declares.
          throw new InputError(
            'DATA_INVALID',
            file,
            `${label}: holds ${have} bytes of data but shape ${formatShape(h.shape)} of ${h.dtype} needs ${h.payloadBytes}` +
              (have < h.payloadBytes ? ' (file is truncated)' : ''),
          );
        }
        options.checkHeader?.(name, { dtype: h.dtype, shape: h.shape });
        return true;
      };
      const bytes = await zip.extract(entry, label, caps.maxBytes, inspect);
      arrays.set(name, parseNpy(bytes, origin, caps.maxBytes));
    }
    return { file, keys, arrays };
  } finally {
    await zip.close();
  }
}

export interface WriteNpzOptions {
  /** Deflate the entries (like np.savez_compressed); default stored (like np.savez). */
  compress?: boolean;
}

/** Writes `arrays` as an .npz numpy can load, atomically (temp file in the same folder + rename). */
export async function writeNpz(
  file: string,
  arrays: Record<string, NpyArray>,
  options: WriteNpzOptions = {},
): Promise<void> {
  const files: Zippable = {};
  for (const [name, array] of Object.entries(arrays)) files[`${name}.npy`] = encodeNpy(array);
  const zipped = zipSync(files, { level: options.compress ? 6 : 0 });
  await writeFileAtomic(file, zipped);
}
