/**
 * Loads a defense/test dataset from an .npz file (arrays `x` and `y`) or an image folder (CLASS/*.png|jpg) into
 * the model's input space: NHWC float32 with the model's [C, H, W], uint8 pixels divided by 255, then the
 * per-channel mean/std. Every mismatch with the model (shape, layout, labels) is a DATA_MISMATCH InputError that
 * names the file and says what the model expects.
 */

import { stat } from 'node:fs/promises';
import { InputError, showNames } from '../errors';
import type { DatasetInfo } from '../result';
import type { Dataset } from './dataset';
import { readImageFolder } from './image-folder';
import { checkFolderLabels, labelsFromArray } from './labels';
import { resolveLayout } from './layout';
import { type DataLimits, formatBytes, resolveLimits } from './limits';
import { resolveChannelStats, toNhwcFloat32 } from './normalize';
import { readNpz } from './npz';

export interface LoadDatasetOptions {
  /** The model's per-sample input shape [C, H, W]; without it the layout is inferred where unambiguous. */
  expectShape?: [number, number, number];
  /** The model's class count: every label must be in [0, numClasses). */
  numClasses?: number;
  /** Per-channel mean/std (length 1 or C), applied after uint8 → [0, 1]. */
  mean?: number[];
  std?: number[];
  limits?: Partial<DataLimits>;
  /** Keep only the first `maxSamples` samples (file order; image folders: by class, then file name). */
  maxSamples?: number;
  /** Default true. When false, an .npz without `y` loads with every label -1 (unlabelled). */
  labelsRequired?: boolean;
  /** Also read an .npz's optional `is_poison` flags (0/1 or bool, one per sample) into `Dataset.isPoison`. */
  poisonFlags?: boolean;
}

const X_KEY = 'x';
const Y_KEY = 'y';
export const POISON_KEY = 'is_poison';

export async function loadDataset(path: string, opts: LoadDatasetOptions = {}): Promise<Dataset> {
  let isFolder: boolean;
  try {
    isFolder = (await stat(path)).isDirectory();
  } catch (e) {
    throw new InputError('IO', path, `cannot read: ${(e as Error).message}`);
  }
  if (opts.maxSamples !== undefined && !(Number.isInteger(opts.maxSamples) && opts.maxSamples > 0)) {
    throw new InputError('OPTION_INVALID', null, `maxSamples must be a positive integer, not ${opts.maxSamples}`);
  }
  return isFolder ? loadImageFolder(path, opts) : loadNpz(path, opts);
}

/** The float tensor must fit the data set cap too (uint8 input grows 4× when converted). */
function checkTensorBytes(count: number, shape: readonly number[], limits: DataLimits, file: string): void {
  const bytes = count * shape.reduce((a, b) => a * b, 1) * 4;
  // One tensor (maxBytes) that is the whole data set (maxDatasetBytes): the smaller cap applies.
  const [cap, name] = limits.maxBytes < limits.maxDatasetBytes ? [limits.maxBytes, 'maxBytes'] : [limits.maxDatasetBytes, 'maxDatasetBytes'];
  if (bytes > cap) {
    throw new InputError(
      'LIMIT_EXCEEDED',
      file,
      `${count} samples of ${shape.join('×')} need ${formatBytes(bytes)} as float32, over the ${formatBytes(cap)} limit (${name}); ` +
        'use fewer samples',
    );
  }
}

async function loadNpz(file: string, opts: LoadDatasetOptions): Promise<Dataset> {
  const limits = resolveLimits(opts.limits);
  // The float tensor `x` becomes is checked from its header, before its data is inflated (a 2 MB zip bomb that
  // declares 1.9 GB of uint8 pixels is refused without inflating a byte of it).
  const checkHeader = (name: string, h: { shape: readonly number[] }): void => {
    if (name !== X_KEY || h.shape.length < 2) return;
    const samples = Math.min(h.shape[0]!, opts.maxSamples ?? h.shape[0]!);
    checkTensorBytes(samples, h.shape.slice(1), limits, file);
  };
  const npz = await readNpz(file, limits, { only: opts.poisonFlags ? [X_KEY, Y_KEY, POISON_KEY] : [X_KEY, Y_KEY], checkHeader });
  const x = npz.arrays.get(X_KEY);
  const y = npz.arrays.get(Y_KEY);
  const found = npz.keys.length ? showNames(npz.keys) : 'none';
  if (!x) {
    throw new InputError('DATA_INVALID', file, `no array 'x' (the images); arrays found: ${found}. Save with np.savez(path, x=images, y=labels)`);
  }
  const labelsRequired = opts.labelsRequired ?? true;
  if (!y && labelsRequired) {
    throw new InputError('DATA_INVALID', file, `no array 'y' (the labels); arrays found: ${found}. Save with np.savez(path, x=images, y=labels)`);
  }
  const fromUint8 = x.dtype === 'uint8';
  if (!fromUint8 && x.dtype !== 'float32' && x.dtype !== 'float64') {
    throw new InputError('DATA_INVALID', file, `array 'x' has dtype ${x.dtype}; images must be uint8 (0..255) or float32/float64`);
  }

  const { layout, count: fileCount, shape } = resolveLayout(x.shape, opts.expectShape, file, X_KEY);
  const labels = y ? labelsFromArray(y, Y_KEY, fileCount, opts.numClasses, file) : new Int32Array(fileCount).fill(-1);
  const count = Math.min(fileCount, opts.maxSamples ?? fileCount);
  if (count === 0) throw new InputError('DATA_INVALID', file, `array 'x' holds no samples`);
  checkTensorBytes(count, shape, limits, file);
  const stats = resolveChannelStats(opts.mean, opts.std, shape[0]);
  // x.data is never BigInt here (dtype checked above), so it is an ArrayLike<number>.
  const data = x.data as ArrayLike<number>;
  const tensor = toNhwcFloat32({ data, layout, divisor: fromUint8 ? 255 : 1, file, name: X_KEY }, count, shape, stats);
  const flags = npz.arrays.get(POISON_KEY);
  return {
    source: file,
    count,
    shape,
    x: tensor,
    y: labels.slice(0, count),
    mean: stats.mean,
    std: stats.std,
    fromUint8,
    ...(flags ? { isPoison: poisonFlagsOf(flags, fileCount, file).slice(0, count) } : {}),
  };
}

/** `is_poison` as 0/1 bytes: one per sample, each 0 or 1 (bool, any integer dtype). */
function poisonFlagsOf(a: { shape: readonly number[]; dtype: string; data: ArrayLike<number | bigint> }, count: number, file: string): Uint8Array {
  if (a.shape.length !== 1 || a.shape[0] !== count) {
    throw new InputError('DATA_INVALID', file, `array '${POISON_KEY}' has shape [${a.shape.join(', ')}]; it must be [${count}], one flag per sample of 'x'`);
  }
  if (a.dtype.startsWith('float')) throw new InputError('DATA_INVALID', file, `array '${POISON_KEY}' has dtype ${a.dtype}; flags must be bool or integers 0/1`);
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const v = Number(a.data[i]);
    if (v !== 0 && v !== 1) throw new InputError('DATA_INVALID', file, `array '${POISON_KEY}' has ${v} at index ${i}; flags must be 0 or 1`);
    out[i] = v;
  }
  return out;
}

async function loadImageFolder(folder: string, opts: LoadDatasetOptions): Promise<Dataset> {
  const limits = resolveLimits(opts.limits);
  const [channels, height, width] = opts.expectShape ?? [undefined, undefined, undefined];
  const images = await readImageFolder(folder, { channels, height, width, limits });
  checkFolderLabels(images.labels, images.classNames, opts.numClasses, folder);
  const shape: [number, number, number] = [images.channels, images.height, images.width];
  const count = Math.min(images.count, opts.maxSamples ?? images.count);
  checkTensorBytes(count, shape, limits, folder);
  const stats = resolveChannelStats(opts.mean, opts.std, shape[0]);
  const tensor = toNhwcFloat32({ data: images.pixels, layout: 'NHWC', divisor: 255, file: folder, name: 'pixels' }, count, shape, stats);
  return {
    source: folder,
    count,
    shape,
    x: tensor,
    y: images.labels.slice(0, count),
    mean: stats.mean,
    std: stats.std,
    fromUint8: true,
    ...(images.labelling === 'sorted-names' ? { classNames: images.classNames } : {}),
  };
}

/** The result-file summary of a loaded dataset. */
export function describeDataset(ds: Dataset): DatasetInfo {
  return { path: ds.source, count: ds.count, shape: [...ds.shape] };
}
