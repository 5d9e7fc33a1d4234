/**
 * Small pictures of dataset samples for the suspicious-sample grid: a sample mapped back to pixels (undoing the
 * dataset's mean/std) and box-averaged down so its longer side is at most `maxSide` pixels, as a PNG data URL.
 * The cap keeps a grid of a few hundred samples a few hundred kilobytes even for 224×224 colour images.
 */
import type { Dataset } from '../data/dataset';
import { pngDataUrl } from './png';
import type { PixelSpace } from './pixel-space';

export const THUMBNAIL_MAX_SIDE = 64;

/** Output size of a box downscale that fits h×w into maxSide (never upscales). */
export function thumbnailSize(h: number, w: number, maxSide = THUMBNAIL_MAX_SIDE): { height: number; width: number; factor: number } {
  const factor = Math.max(1, Math.ceil(Math.max(h, w) / maxSide));
  return { height: Math.ceil(h / factor), width: Math.ceil(w / factor), factor };
}

/** Sample `index` of `data` as a PNG data URL in pixel space. */
export function sampleThumbnail(data: Dataset, index: number, space: PixelSpace, maxSide = THUMBNAIL_MAX_SIDE): string {
  const [c, h, w] = data.shape;
  const per = h * w * c;
  const base = index * per;
  const { height, width, factor } = thumbnailSize(h, w, maxSide);
  const out = new Float32Array(height * width * c);
  for (let ty = 0; ty < height; ty++) {
    for (let tx = 0; tx < width; tx++) {
      for (let ch = 0; ch < c; ch++) {
        // Average the source block (edge blocks may be smaller).
        let sum = 0;
        let n = 0;
        for (let y = ty * factor; y < Math.min(h, (ty + 1) * factor); y++) {
          for (let x = tx * factor; x < Math.min(w, (tx + 1) * factor); x++) {
            sum += data.x[base + (y * w + x) * c + ch] * space.std[ch] + space.mean[ch];
            n++;
          }
        }
        out[(ty * width + tx) * c + ch] = sum / n;
      }
    }
  }
  return pngDataUrl({ height, width, channels: c, data: out, lo: space.lo, hi: space.hi });
}
