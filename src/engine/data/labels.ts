/**
 * Turns a label array from a data file into Int32 class indices and checks every one is a class the model has.
 * Accepts any integer dtype, and floats only when every value is integral (np.float32 labels are common).
 */

import { InputError, showName } from '../errors';
import { formatShape, type NpyArray } from './npy';

/**
 * `count` is the number of samples (x's first dimension); `numClasses` (optional) bounds the labels.
 * Errors name `file`: DATA_INVALID for a wrong dtype, DATA_MISMATCH for a wrong length or an out-of-range label
 * (naming the first bad index and its value).
 */
export function labelsFromArray(y: NpyArray, name: string, count: number, numClasses: number | undefined, file: string): Int32Array {
  const shapeOk = (y.shape.length === 1 && y.shape[0] === count) || (y.shape.length === 2 && y.shape[0] === count && y.shape[1] === 1);
  if (!shapeOk) {
    throw new InputError(
      'DATA_MISMATCH',
      file,
      `array '${name}' has shape ${formatShape(y.shape)} but there are ${count} samples; expected (${count},)`,
    );
  }
  if (y.dtype === 'bool') {
    throw new InputError('DATA_INVALID', file, `array '${name}' is boolean; labels must be integer class indices`);
  }
  const isFloat = y.dtype === 'float32' || y.dtype === 'float64';
  const upper = numClasses ?? 2 ** 31;
  const out = new Int32Array(count);
  const data = y.data;
  for (let i = 0; i < count; i++) {
    const raw = data[i]!;
    const value = typeof raw === 'bigint' ? Number(raw) : raw;
    if (isFloat && !Number.isInteger(value)) {
      throw new InputError('DATA_INVALID', file, `array '${name}'[${i}] = ${value} is not an integer class index`);
    }
    if (!(value >= 0 && value < upper)) {
      const range = numClasses === undefined ? 'a non-negative class index' : `in [0, ${numClasses}) (the model has ${numClasses} classes)`;
      throw new InputError('DATA_MISMATCH', file, `array '${name}'[${i}] = ${String(raw)} is out of range; labels must be ${range}`);
    }
    out[i] = value;
  }
  return out;
}

/** Labels from an image folder checked against the model's class count; errors name the folder and the class. */
export function checkFolderLabels(labels: Int32Array, classNames: string[], numClasses: number | undefined, folder: string): void {
  if (numClasses === undefined) return;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i]! >= numClasses) {
      throw new InputError(
        'DATA_MISMATCH',
        folder,
        `class folder '${showName(classNames[labels[i]!]!)}' gives label ${labels[i]}, but the model has ${numClasses} classes (labels 0..${numClasses - 1})`,
      );
    }
  }
}
