/**
 * A folder of images arranged by class, `ROOT/CLASS/*.png|jpg|jpeg` (the torchvision ImageFolder layout).
 * Class folders named by integers ("0", "7", "003") use that integer as the label; otherwise the folder names,
 * sorted, map to labels 0..K-1. Every image must already have the model's H×W (no silent resizing); pixels are
 * converted to the model's channel count (RGB → gray with ITU-R 601 luma as PIL's convert('L') does; gray → RGB
 * by repetition). Hidden files and folders are skipped; anything else that is not an image is an error, so a
 * dataset never silently loses samples.
 *
 * Only regular files are read as images (regular-file.ts): a FIFO, a device, a socket, or a symlink to one of them
 * named `x.png` is a DATA_INVALID error instead of a read that blocks or never ends. A symlink to a regular file is
 * followed wherever it points (data sets of symlinks into an image pool are common), within the same size cap:
 * each file is checked against maxImageFileBytes before it is read (and read to at most that many bytes + 1).
 */

import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError, showName } from '../errors';
import { readRegularFile } from '../regular-file';
import { decodeImage } from './image-decode';
import { type DataLimits, resolveLimits, formatBytes } from './limits';

export interface ImageFolderOptions {
  /** Model's channel count (1 or 3). Unset: 1 if every image is gray (R=G=B everywhere), else 3. */
  channels?: number;
  /** Model's image size. Unset: the first image's size, which every other image must match. */
  height?: number;
  width?: number;
  limits?: Partial<DataLimits>;
}

export interface ImageFolderData {
  folder: string;
  count: number;
  height: number;
  width: number;
  channels: number;
  /** count×H×W×C bytes, NHWC, samples ordered by label then by file name. */
  pixels: Uint8Array;
  labels: Int32Array;
  /** 'index': class folders are integers; 'sorted-names': sorted folder names give the labels. */
  labelling: 'index' | 'sorted-names';
  /** classNames[label] is the folder that label came from ('' for an index with no folder). */
  classNames: string[];
  /** Per sample, the image's path. */
  files: string[];
}

const IMAGE_EXTENSION = /\.(png|jpe?g)$/i;

const isHidden = (name: string): boolean => name.startsWith('.');

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch (e) {
    throw new InputError('IO', path, `cannot read: ${(e as Error).message}`);
  }
}

/** Largest class index a folder name may give; labels beyond any real model's class count are a typo. */
const MAX_CLASS_INDEX = 1_000_000;

async function listVisible(folder: string): Promise<string[]> {
  try {
    return (await readdir(folder)).filter((n) => !isHidden(n));
  } catch (e) {
    throw new InputError('IO', folder, `cannot read the folder: ${(e as Error).message}`);
  }
}

interface ClassFolder {
  name: string;
  label: number;
  files: string[];
}

/** Class folders with their labels and image files, sorted; enforces the file-count cap while listing. */
async function listClasses(root: string, maxFiles: number): Promise<{ classes: ClassFolder[]; labelling: ImageFolderData['labelling'] }> {
  const names: string[] = [];
  for (const name of (await listVisible(root)).sort()) {
    if (await isDirectory(join(root, name))) names.push(name);
  }
  if (names.length === 0) {
    throw new InputError('DATA_INVALID', root, 'no class folders found (expected FOLDER/CLASS/*.png|jpg|jpeg)');
  }
  const labelling = names.every((n) => /^\d+$/.test(n)) ? 'index' : 'sorted-names';
  const classes: ClassFolder[] = names.map((name, i) => ({
    name,
    label: labelling === 'index' ? Number.parseInt(name, 10) : i,
    files: [],
  }));
  if (labelling === 'index') {
    classes.sort((a, b) => a.label - b.label);
    for (let i = 1; i < classes.length; i++) {
      if (classes[i]!.label === classes[i - 1]!.label) {
        throw new InputError(
          'DATA_INVALID',
          root,
          `class folders '${showName(classes[i - 1]!.name)}' and '${showName(classes[i]!.name)}' both mean class ${classes[i]!.label}`,
        );
      }
    }
    const last = classes[classes.length - 1]!;
    if (!(last.label <= MAX_CLASS_INDEX)) {
      throw new InputError('DATA_INVALID', root, `class folder '${showName(last.name)}' is not a usable class index (over ${MAX_CLASS_INDEX})`);
    }
  }

  let total = 0;
  for (const cls of classes) {
    const dir = join(root, cls.name);
    for (const name of (await listVisible(dir)).sort()) {
      const path = join(dir, name);
      if (await isDirectory(path)) {
        throw new InputError('DATA_INVALID', path, 'nested folders inside a class folder are not supported');
      }
      if (!IMAGE_EXTENSION.test(name)) {
        throw new InputError('DATA_INVALID', path, 'not a .png/.jpg/.jpeg image (only images may sit in class folders)');
      }
      if (++total > maxFiles) {
        throw new InputError('LIMIT_EXCEEDED', root, `more than ${maxFiles} image files (the file-count limit)`);
      }
      cls.files.push(path);
    }
  }
  if (total === 0) throw new InputError('DATA_INVALID', root, 'the class folders hold no images');
  return { classes, labelling };
}

/** One image's RGBA pixels written as `channels` channels at `out[offset..]`; returns whether it was gray. */
function storePixels(rgba: Uint8Array, channels: number, out: Uint8Array, offset: number): boolean {
  const pixels = rgba.length / 4;
  let gray = true;
  for (let p = 0; p < pixels; p++) {
    const r = rgba[4 * p]!;
    const g = rgba[4 * p + 1]!;
    const b = rgba[4 * p + 2]!;
    if (r !== g || g !== b) gray = false;
    if (channels === 1) {
      // PIL's fixed-point ITU-R 601 luma; exactly r when r = g = b.
      out[offset + p] = (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16;
    } else {
      out[offset + 3 * p] = r;
      out[offset + 3 * p + 1] = g;
      out[offset + 3 * p + 2] = b;
    }
  }
  return gray;
}

export async function readImageFolder(folder: string, options: ImageFolderOptions = {}): Promise<ImageFolderData> {
  const limits = resolveLimits(options.limits);
  if (options.channels !== undefined && options.channels !== 1 && options.channels !== 3) {
    throw new InputError(
      'DATA_MISMATCH',
      folder,
      `the model expects ${options.channels} channels; image folders can only feed 1 (gray) or 3 (RGB) channel models`,
    );
  }
  if (!(await isDirectory(folder))) throw new InputError('DATA_INVALID', folder, 'not a folder');
  const { classes, labelling } = await listClasses(folder, limits.maxFiles);
  const files = classes.flatMap((c) => c.files);
  const labels = Int32Array.from(classes.flatMap((c) => c.files.map(() => c.label)));
  // Without a model channel count, decode as RGB and collapse to one channel at the end if all images are gray.
  const storeChannels = options.channels ?? 3;

  let expect = options.height !== undefined && options.width !== undefined ? { height: options.height, width: options.width } : undefined;
  let pixels: Uint8Array | null = null;
  let sampleBytes = 0;
  let allGray = true;
  for (let i = 0; i < files.length; i++) {
    const file = files[i]!;
    const bytes = await readRegularFile(file, {
      maxBytes: limits.maxImageFileBytes,
      code: 'DATA_INVALID',
      what: 'the image file',
      limitName: 'maxImageFileBytes',
    });
    const image = decodeImage(bytes, file, limits, expect);
    if (!pixels) {
      expect = { height: image.height, width: image.width };
      sampleBytes = image.height * image.width * storeChannels;
      const total = sampleBytes * files.length;
      if (total > limits.maxBytes) {
        throw new InputError(
          'LIMIT_EXCEEDED',
          folder,
          `${files.length} images of ${image.height}×${image.width}×${storeChannels} need ${formatBytes(total)}, over the ` +
            `${formatBytes(limits.maxBytes)} limit`,
        );
      }
      // What the pixels become (float32; at least one channel when the count is not known yet), before the rest is read.
      const floatBytes = image.height * image.width * (options.channels ?? 1) * files.length * 4;
      if (floatBytes > limits.maxDatasetBytes) {
        throw new InputError(
          'LIMIT_EXCEEDED',
          folder,
          `${files.length} images of ${image.height}×${image.width}×${options.channels ?? 1} need ${formatBytes(floatBytes)} as float32, over the ` +
            `${formatBytes(limits.maxDatasetBytes)} data set limit (maxDatasetBytes); use fewer images`,
        );
      }
      pixels = new Uint8Array(total);
    }
    allGray = storePixels(image.rgba, storeChannels, pixels, i * sampleBytes) && allGray;
  }
  let channels = storeChannels;
  if (options.channels === undefined && allGray) {
    const gray = new Uint8Array(pixels!.length / 3);
    for (let j = 0; j < gray.length; j++) gray[j] = pixels![3 * j]!;
    pixels = gray;
    channels = 1;
  }

  const classNames: string[] = [];
  for (const c of classes) classNames[c.label] = c.name;
  for (let l = 0; l < classNames.length; l++) classNames[l] ??= '';
  return {
    folder,
    count: files.length,
    height: expect!.height,
    width: expect!.width,
    channels,
    pixels: pixels!,
    labels,
    labelling,
    classNames,
    files,
  };
}
