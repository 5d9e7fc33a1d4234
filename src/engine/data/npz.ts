/**
 * .npz files (numpy's `np.savez` / `np.savez_compressed`): a zip archive of `NAME.npy` entries. Reading goes
 * through ZipReader (caps checked before anything is inflated) and parseNpy (header checked against the real byte
 * count); writing produces a stored zip numpy can load, written atomically.
 */

import { zipSync, type Zippable } from 'fflate';
import { InputError } from '../errors';
import { writeFileAtomic } from '../atomic-write';
import { type DataLimits, resolveLimits, formatBytes } from './limits';
import { encodeNpy, parseNpy, type NpyArray } from './npy';
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
    let total = 0;
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      const name = keys[i]!;
      if (options.only && !options.only.includes(name)) continue;
      if (!entry.name.endsWith('.npy')) {
        throw new InputError('DATA_INVALID', file, `entry '${entry.name}' is not an .npy array; not an .npz file?`);
      }
      total += entry.uncompressedSize;
      // (An entry over the cap by itself gets extract()'s more specific message.)
      if (total > caps.maxBytes && entry.uncompressedSize <= caps.maxBytes) {
        throw new InputError(
          'LIMIT_EXCEEDED',
          file,
          `array '${name}': the arrays read so far total ${formatBytes(total)}, over the ${formatBytes(caps.maxBytes)} limit`,
        );
      }
      const bytes = await zip.extract(entry, `array '${name}'`, caps.maxBytes);
      arrays.set(name, parseNpy(bytes, { file, name }, caps.maxBytes));
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
