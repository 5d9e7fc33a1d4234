/**
 * Dense 2-D convolution (NHWC activations, HWIO filter, explicit pads, dilation 1) with its own gradient.
 * Why custom: tfjs-backend-wasm registers no Conv2DBackpropFilter, so tf.conv2d cannot be differentiated there.
 * The filter gradient is im2col + one non-transposed matMul (wasm's BatchMatMul takes its XNNPACK fast path only
 * when neither operand is transposed); the input gradient is Conv2DBackpropInput, which every backend has.
 * Dilated convolutions are run by expanding the filter with zeros first (see dilateFilter), so this kernel never
 * needs dilation itself.
 */
import * as tf from '@tensorflow/tfjs-core';
import { customOp } from './custom_op';

/** [top, bottom, left, right] */
export type Pads4 = [number, number, number, number];

export function explicitPad(p: Pads4): [[number, number], [number, number], [number, number], [number, number]] {
  return [[0, 0], [p[0], p[1]], [p[2], p[3]], [0, 0]];
}

/** Upper bound on floats in one im2col block; larger batches are processed in batch chunks. */
const IM2COL_FLOATS = 1 << 24;

/** dW for y = conv(x, w): sum over positions of patch ⊗ dy, as dy^T · patches (both row-major, no transposed operand). */
export function conv2dFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, kh: number, kw: number, strides: [number, number], pads: Pads4): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, , , c] = x.shape;
    const [, ho, wo, co] = dy.shape;
    const [sh, sw] = strides;
    const xp = pads.some((p) => p !== 0) ? tf.pad(x, explicitPad(pads)) : x;
    const k = kh * kw * c;
    const perSample = ho * wo * k;
    const chunk = Math.max(1, Math.floor(IM2COL_FLOATS / perSample));
    let acc: tf.Tensor2D | null = null;
    for (let b0 = 0; b0 < n; b0 += chunk) {
      const nb = Math.min(chunk, n - b0);
      const part = tf.tidy(() => {
        const xs = nb === n ? xp : tf.slice(xp, [b0, 0, 0, 0], [nb, -1, -1, -1]);
        const dys = nb === n ? dy : tf.slice(dy, [b0, 0, 0, 0], [nb, -1, -1, -1]);
        const taps: tf.Tensor4D[] = [];
        for (let i = 0; i < kh; i++) {
          for (let j = 0; j < kw; j++) {
            const end = [nb, i + (ho - 1) * sh + 1, j + (wo - 1) * sw + 1, c];
            const isWhole = i === 0 && j === 0 && sh === 1 && sw === 1 && end[1] === xs.shape[1] && end[2] === xs.shape[2];
            taps.push(isWhole ? xs : (tf.stridedSlice(xs, [0, i, j, 0], end, [1, sh, sw, 1]) as tf.Tensor4D));
          }
        }
        const cols = tf.reshape(taps.length === 1 ? taps[0] : tf.concat(taps, 3), [nb * ho * wo, k]);
        const dyT = tf.transpose(tf.reshape(dys, [nb * ho * wo, co]));
        return tf.matMul(dyT, cols) as tf.Tensor2D; // [co, k]
      });
      if (acc === null) acc = part;
      else {
        const next: tf.Tensor2D = tf.add(acc, part);
        acc.dispose();
        part.dispose();
        acc = next;
      }
    }
    return tf.reshape(tf.transpose(acc!), [kh, kw, c, co]) as tf.Tensor4D;
  });
}

function hasKernel(name: string): boolean {
  return tf.getKernel(name, tf.getBackend()) !== undefined;
}

/** y = conv(x, w) with explicit pads; differentiable on every backend. */
export function conv2d(x: tf.Tensor4D, w: tf.Tensor4D, strides: [number, number], pads: Pads4): tf.Tensor4D {
  const pad = explicitPad(pads);
  return customOp<tf.Tensor4D>([x, w], ([xi, wi], save) => {
    const xx = xi as tf.Tensor4D;
    const ww = wi as tf.Tensor4D;
    save([xx, ww]);
    return {
      value: tf.conv2d(xx, ww, strides, pad),
      gradFunc: (dy, saved) => {
        const [xs, ws] = saved as [tf.Tensor4D, tf.Tensor4D];
        const dy4 = dy as tf.Tensor4D;
        const dx = tf.conv2dTranspose(dy4, ws, xs.shape, strides, pad);
        const [kh, kw] = ws.shape;
        const dw = hasKernel('Conv2DBackpropFilter')
          ? (tf.engine().runKernel('Conv2DBackpropFilter', { x: xs, dy: dy4 }, {
              strides, pad, dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape: ws.shape,
            } as unknown as tf.NamedAttrMap) as tf.Tensor4D)
          : conv2dFilterGrad(xs, dy4, kh, kw, strides, pads);
        return [dx, dw];
      },
    };
  });
}

/**
 * A dilated filter as an undilated one: inserts (d-1) zeros between taps. Differentiable (pad/reshape/slice),
 * so the gradient reaches the original variable.
 */
export function dilateFilter(w: tf.Tensor4D, dh: number, dw: number): tf.Tensor4D {
  return tf.tidy(() => {
    let out: tf.Tensor4D = w;
    const [kh, kw, ci, co] = w.shape;
    if (dh > 1) {
      const e = tf.pad(tf.reshape(out, [kh, 1, kw, ci, co]), [[0, 0], [0, dh - 1], [0, 0], [0, 0], [0, 0]]);
      out = tf.slice(tf.reshape(e, [kh * dh, kw, ci, co]) as tf.Tensor4D, [0, 0, 0, 0], [(kh - 1) * dh + 1, kw, ci, co]);
    }
    if (dw > 1) {
      const h = out.shape[0];
      const e = tf.pad(tf.reshape(out, [h, kw, 1, ci, co]), [[0, 0], [0, 0], [0, dw - 1], [0, 0], [0, 0]]);
      out = tf.slice(tf.reshape(e, [h, kw * dw, ci, co]) as tf.Tensor4D, [0, 0, 0, 0], [h, (kw - 1) * dw + 1, ci, co]);
    }
    return out;
  });
}
