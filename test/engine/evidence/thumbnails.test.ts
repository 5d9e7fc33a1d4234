// Thumbnails of dataset samples: decoded back with pngjs, they show the sample's pixels (mean/std undone), and
// large images are box-averaged to at most 64 pixels a side.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PNG } from 'pngjs';
import type { Dataset } from '../../../src/engine/data/dataset';
import { pixelSpaceOf } from '../../../src/engine/evidence/pixel-space';
import { sampleThumbnail, thumbnailSize } from '../../../src/engine/evidence/thumbnails';

function decode(url: string): PNG {
  assert.ok(url.startsWith('data:image/png;base64,'));
  return PNG.sync.read(Buffer.from(url.slice('data:image/png;base64,'.length), 'base64'));
}

test('thumbnailSize never upscales and fits the longer side', () => {
  assert.deepEqual(thumbnailSize(28, 28), { height: 28, width: 28, factor: 1 });
  assert.deepEqual(thumbnailSize(224, 224), { height: 56, width: 56, factor: 4 });
  assert.deepEqual(thumbnailSize(65, 10), { height: 33, width: 5, factor: 2 });
  const s = thumbnailSize(1000, 300);
  assert.ok(s.height <= 64 && s.width <= 64);
});

test('a grey sample keeps its pixels, after the dataset mean/std are undone', () => {
  const [c, h, w] = [1, 4, 3];
  const pixels = Array.from({ length: 2 * h * w }, (_, i) => (i % 7) / 6);
  const mean = 0.5;
  const std = 0.25;
  const data: Dataset = { source: 'mem', count: 2, shape: [c, h, w], x: Float32Array.from(pixels, (p) => (p - mean) / std), y: new Int32Array(2), mean: [mean], std: [std], fromUint8: true };
  const png = decode(sampleThumbnail(data, 1, pixelSpaceOf(data)));
  assert.equal(png.width, w);
  assert.equal(png.height, h);
  for (let i = 0; i < h * w; i++) {
    const expected = Math.round(pixels[h * w + i] * 255);
    // float32 round trip through (p − mean) / std: within one grey level
    assert.ok(Math.abs(png.data[i * 4] - expected) <= 1, `pixel ${i}: ${png.data[i * 4]} vs ${expected}`);
    assert.equal(png.data[i * 4 + 2], png.data[i * 4]);
  }
});

test('a 3×128×128 colour sample becomes a 3-channel 64×64 box average of 2×2 blocks', () => {
  const [c, h, w] = [3, 128, 128];
  const x = new Float32Array(h * w * c);
  // NHWC: red rises left to right, green is constant, blue is a 2×2 checker (averages to 0.5)
  for (let y = 0; y < h; y++) for (let xx = 0; xx < w; xx++) {
    const o = (y * w + xx) * c;
    x[o] = xx / (w - 1);
    x[o + 1] = 0.2;
    x[o + 2] = (xx + y) % 2;
  }
  const data: Dataset = { source: 'mem', count: 1, shape: [c, h, w], x, y: new Int32Array(1), mean: [], std: [], fromUint8: true };
  const png = decode(sampleThumbnail(data, 0, pixelSpaceOf(data)));
  assert.equal(png.width, 64);
  assert.equal(png.height, 64);
  const at = (tx: number, ty: number, ch: number) => png.data[(ty * 64 + tx) * 4 + ch];
  assert.ok(at(0, 0, 0) < 5 && at(63, 10, 0) > 250, 'red ramps');
  assert.ok(at(10, 0, 0) < at(11, 0, 0), 'monotone');
  assert.equal(at(30, 30, 1), Math.round(0.2 * 255));
  assert.equal(at(30, 30, 2), Math.round(0.5 * 255));
});
