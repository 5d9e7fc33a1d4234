/**
 * Builds the model-input tensor: pixels (uint8 divided by 255, or floats as they are) minus the per-channel
 * mean, divided by the per-channel std, rearranged into NHWC float32 (tfjs's layout).
 */

import { InputError } from '../errors';
import type { Layout } from './layout';

export interface ChannelStats {
  /** Length C, or empty when no mean was given. */
  mean: number[];
  /** Length C, or empty when no std was given. */
  std: number[];
}

/**
 * Validates `mean`/`std` options (length 1 broadcasts; otherwise length C; std finite and > 0) and expands them
 * to C values. Errors are OPTION_INVALID (not about a file).
 */
export function resolveChannelStats(mean: readonly number[] | undefined, std: readonly number[] | undefined, channels: number): ChannelStats {
  const expand = (values: readonly number[] | undefined, what: string): number[] => {
    if (!values || values.length === 0) return [];
    if (values.length !== 1 && values.length !== channels) {
      throw new InputError(
        'OPTION_INVALID',
        null,
        `${what} has ${values.length} values but the model takes ${channels} channel(s); give 1 value or ${channels}`,
      );
    }
    for (const v of values) {
      if (!Number.isFinite(v)) throw new InputError('OPTION_INVALID', null, `${what} value ${v} is not a finite number`);
      if (what === 'std' && v <= 0) throw new InputError('OPTION_INVALID', null, `std value ${v} must be greater than 0`);
    }
    return values.length === 1 ? new Array<number>(channels).fill(values[0]!) : [...values];
  };
  return { mean: expand(mean, 'mean'), std: expand(std, 'std') };
}

export interface PixelSource {
  data: ArrayLike<number>;
  layout: Layout;
  /** Divisor applied before the mean: 255 for uint8 pixels (v/255, as torchvision's ToTensor), 1 for floats. */
  divisor: number;
  file: string;
  name: string;
}

/**
 * `count` samples of [C, H, W] from `src` into a new NHWC Float32Array. Non-finite input values are an error
 * (DATA_INVALID naming the array and the flat index), since one NaN would poison every gradient.
 */
export function toNhwcFloat32(src: PixelSource, count: number, shape: readonly [number, number, number], stats: ChannelStats): Float32Array {
  const [C, H, W] = shape;
  const plane = H * W;
  const sample = C * plane;
  const offset = Float64Array.from({ length: C }, (_, c) => (stats.mean.length ? stats.mean[c]! : 0));
  const divisor = Float64Array.from({ length: C }, (_, c) => (stats.std.length ? stats.std[c]! : 1));
  const out = new Float32Array(count * sample);
  const data = src.data;
  for (let n = 0; n < count; n++) {
    const base = n * sample;
    for (let c = 0; c < C; c++) {
      const m = offset[c]!;
      const s = divisor[c]!;
      for (let p = 0; p < plane; p++) {
        // Source index in the file's layout; destination is always NHWC.
        const from = src.layout === 'NCHW' ? base + c * plane + p : base + p * C + c;
        const v = data[from]!;
        if (!Number.isFinite(v)) {
          throw new InputError('DATA_INVALID', src.file, `array '${src.name}' holds a non-finite value (${v}) at flat index ${from}`);
        }
        out[base + p * C + c] = (v / src.divisor - m) / s;
      }
    }
  }
  return out;
}
