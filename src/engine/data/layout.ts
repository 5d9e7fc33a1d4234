/**
 * Decides how an image array in a data file is laid out (NCHW, NHWC, or N×H×W gray) by comparing its shape with
 * the model's [C, H, W]. Guessing wrong would silently scramble pixels, so anything ambiguous is an error that
 * says what the model expects and what the file has.
 */

import { InputError } from '../errors';
import { formatShape } from './npy';

export type Layout = 'NCHW' | 'NHWC';

export interface ResolvedLayout {
  layout: Layout;
  count: number;
  /** [C, H, W] of one sample. */
  shape: [number, number, number];
}

const same = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((v, i) => v === b[i]);

/**
 * `shape` is the file's array shape, `expect` the model's [C, H, W] (optional). `file` and `name` are for errors.
 * (N, H, W) counts as NCHW with C = 1 (one channel: both layouts are the same bytes).
 */
export function resolveLayout(
  shape: readonly number[],
  expect: readonly [number, number, number] | undefined,
  file: string,
  name: string,
): ResolvedLayout {
  const mismatch = (why: string): InputError => {
    const wanted = expect
      ? ` the model expects (N, ${expect.join(', ')}) (NCHW) or (N, ${expect[1]}, ${expect[2]}, ${expect[0]}) (NHWC)` +
        (expect[0] === 1 ? ` or (N, ${expect[1]}, ${expect[2]})` : '')
      : ' expected (N, C, H, W), (N, H, W, C) or (N, H, W)';
    return new InputError('DATA_MISMATCH', file, `array '${name}' has shape ${formatShape(shape)}; ${why};${wanted}`);
  };
  if (shape.length !== 3 && shape.length !== 4) throw mismatch(`it needs 3 or 4 dimensions, not ${shape.length}`);
  const count = shape[0]!;
  const rest = shape.slice(1);

  if (rest.length === 2) {
    if (expect && !same([1, ...rest], expect)) throw mismatch('its sample shape does not match the model');
    return { layout: 'NCHW', count, shape: [1, rest[0]!, rest[1]!] };
  }
  const [a, b, c] = rest as [number, number, number];
  if (expect) {
    const [C, H, W] = expect;
    const nchw = same(rest, [C, H, W]);
    const nhwc = same(rest, [H, W, C]);
    if (nchw && nhwc && C !== 1) throw mismatch('NCHW and NHWC cannot be told apart for this shape');
    if (nchw) return { layout: 'NCHW', count, shape: [C, H, W] };
    if (nhwc) return { layout: 'NHWC', count, shape: [C, H, W] };
    throw mismatch('its sample shape does not match the model');
  }
  // No model shape: a channel axis is 1 or 3 (gray/RGB), and it must be clear which end it is on.
  const isChannels = (v: number): boolean => v === 1 || v === 3;
  if (isChannels(a) && !isChannels(c)) return { layout: 'NCHW', count, shape: [a, b, c] };
  if (isChannels(c) && !isChannels(a)) return { layout: 'NHWC', count, shape: [c, a, b] };
  throw mismatch('cannot tell whether it is NCHW or NHWC without the model');
}
