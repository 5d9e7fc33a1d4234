/**
 * Trigger pictures for the report: a mask, a pattern or a stamped sample as a `data:image/png;base64,...` URL
 * (the webview shows them without touching the disk). Values are mapped from their range to 0..255.
 */
import { PNG } from 'pngjs';

export interface ImageHWC {
  height: number;
  width: number;
  channels: number;
  /** HWC values. */
  data: Float32Array;
  /** Per channel value range that maps to 0..255. */
  lo: ArrayLike<number>;
  hi: ArrayLike<number>;
}

export function pngDataUrl(img: ImageHWC): string {
  const { height, width, channels, data } = img;
  const png = new PNG({ width, height, colorType: 6 });
  const byte = (v: number, ch: number) => {
    const span = img.hi[ch] - img.lo[ch] || 1;
    return Math.max(0, Math.min(255, Math.round(((v - img.lo[ch]) / span) * 255)));
  };
  for (let i = 0; i < height * width; i++) {
    // Three channels are colour; any other count shows its first channel in grey.
    const r = byte(data[i * channels], 0);
    const g = channels === 3 ? byte(data[i * channels + 1], 1) : r;
    const b = channels === 3 ? byte(data[i * channels + 2], 2) : r;
    png.data.set([r, g, b, 255], i * 4);
  }
  return 'data:image/png;base64,' + PNG.sync.write(png).toString('base64');
}
