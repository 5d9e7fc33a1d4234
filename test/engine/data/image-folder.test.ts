// Image folders: real Fashion-MNIST test images written as PNG class folders by PIL must load to exactly the
// tensor the same images give from an .npz; colour conversion matches PIL, JPEG decoding matches libjpeg (via
// PIL) within rounding, and every malformed folder fails with a typed error naming the file.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadDataset } from '../../../src/engine/data/load';
import { readImageFolder } from '../../../src/engine/data/image-folder';
import { assertInputError } from './assert-input-error';
import { makeTempDir, python } from './python-fixtures';

const { dir, cleanup } = makeTempDir('images');
const p = (...parts: string[]): string => join(dir, ...parts);
after(cleanup);

const NAMES = ['T-shirt', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
const PER_CLASS = 3;

before(() => {
  python(
    dir,
    String.raw`
import gzip, os, json
from PIL import Image
root = '/usr/share/datasets/fashion-mnist/'
with gzip.open(root + 't10k-images-idx3-ubyte.gz') as f:
    raw = f.read()
assert int.from_bytes(raw[:4], 'big') == 2051
n, h, w = (int.from_bytes(raw[i:i + 4], 'big') for i in (4, 8, 12))
imgs = np.frombuffer(raw, np.uint8, offset=16).reshape(n, h, w)
with gzip.open(root + 't10k-labels-idx1-ubyte.gz') as f:
    labels = np.frombuffer(f.read(), np.uint8, offset=8)
names = ${JSON.stringify(NAMES)}
# The first ${PER_CLASS} test images of each class, ordered by class then by index (the folder reader's order).
idx = [int(i) for c in range(10) for i in np.flatnonzero(labels == c)[:${PER_CLASS}]]
np.savez('fmnist.npz', x=imgs[idx], y=labels[idx].astype(np.int64))
for i in idx:
    for folder, cls in (('fmnist_png', str(labels[i])), ('fmnist_named', names[labels[i]])):
        os.makedirs(os.path.join(folder, cls), exist_ok=True)
        Image.fromarray(imgs[i], 'L').save(os.path.join(folder, cls, f'{i:05d}.png'))
json.dump({'idx': idx}, open('fmnist.json', 'w'))
open(os.path.join('fmnist_png', '0', '.DS_Store'), 'wb').write(b'\0\1junk')
os.makedirs(os.path.join('fmnist_png', '.thumbnails'))
open(os.path.join('fmnist_png', '.thumbnails', 'x.png'), 'wb').write(b'junk')

# Colour images: random RGB, palette and RGBA PNGs, and a smooth RGB JPEG, with PIL's own decodings/conversions.
rng = np.random.default_rng(7)
rgb = rng.integers(0, 256, size=(4, 6, 5, 3), dtype=np.uint8)
for k in range(4):
    os.makedirs(f'rgb/{k % 2}', exist_ok=True)
    im = Image.fromarray(rgb[k], 'RGB')
    if k == 1: im = im.convert('RGBA'); im.putalpha(128)
    if k == 2: im = im.quantize(16).convert('RGB')  # exact palette colours, saved as a palette PNG below
    if k == 2: Image.fromarray(np.asarray(im)).quantize(16).save(f'rgb/{k % 2}/{k}.png'); rgb[k] = np.asarray(im)
    else: im.save(f'rgb/{k % 2}/{k}.png')
order = [0, 2, 1, 3]  # class 0 holds 0.png and 2.png, class 1 holds 1.png and 3.png
rgb[order].astype('<u1').tofile('rgb.u8')
np.stack([np.asarray(Image.fromarray(rgb[k], 'RGB').convert('L')) for k in order]).astype('<u1').tofile('rgb_as_gray.u8')

yy, xx = np.mgrid[0:16, 0:24]
smooth = np.stack([xx * 10, yy * 15, np.full_like(xx, 200)], -1).astype(np.uint8)
os.makedirs('jpeg/cat', exist_ok=True)
Image.fromarray(smooth, 'RGB').save('jpeg/cat/a.jpg', quality=95, subsampling=0)  # 4:4:4
Image.fromarray(smooth[:, :, 0], 'L').save('jpeg/cat/b.jpeg', quality=95)
Image.fromarray(smooth, 'RGB').save('jpeg/cat/c.jpg', quality=95)  # 4:2:0 chroma subsampling (PIL's default)
np.stack([np.asarray(Image.open(f'jpeg/cat/{f}').convert('RGB')) for f in ('a.jpg', 'b.jpeg', 'c.jpg')]).astype('<u1').tofile('jpeg.u8')

# Broken folders.
os.makedirs('wrong_size/0'); os.makedirs('wrong_size/1')
Image.fromarray(imgs[0], 'L').save('wrong_size/0/a.png')
Image.fromarray(np.zeros((32, 32), np.uint8), 'L').save('wrong_size/1/b.png')
os.makedirs('empty')
os.makedirs('no_images/0'); os.makedirs('no_images/1')
os.makedirs('stray/0'); Image.fromarray(imgs[0], 'L').save('stray/0/a.png'); open('stray/0/notes.txt', 'w').write('hi')
os.makedirs('fake/0'); open('fake/0/a.png', 'w').write('this is text, not a PNG')
os.makedirs('cut/0'); b = open('fmnist_png/0/' + sorted(os.listdir('fmnist_png/0'))[1], 'rb').read(); open('cut/0/a.png', 'wb').write(b[:60])
os.makedirs('big_label/3'); os.makedirs('big_label/12')
Image.fromarray(imgs[0], 'L').save('big_label/3/a.png'); Image.fromarray(imgs[1], 'L').save('big_label/12/b.png')
`,
  );
});

const readU8 = async (name: string): Promise<Uint8Array> => new Uint8Array(readFileSync(p(name)));

test('Fashion-MNIST: a PNG class folder and an .npz of the same images give identical tensors and labels', async () => {
  const fromNpz = await loadDataset(p('fmnist.npz'), { expectShape: [1, 28, 28], numClasses: 10, mean: [0.286], std: [0.353] });
  const fromPng = await loadDataset(p('fmnist_png'), { expectShape: [1, 28, 28], numClasses: 10, mean: [0.286], std: [0.353] });
  assert.equal(fromPng.count, 10 * PER_CLASS, 'hidden files and folders are skipped');
  assert.deepEqual(fromPng.shape, [1, 28, 28]);
  assert.equal(fromPng.fromUint8, true);
  assert.deepEqual(fromPng.y, fromNpz.y);
  assert.deepEqual(Array.from(fromPng.y), Array.from({ length: 30 }, (_, i) => Math.floor(i / PER_CLASS)));
  assert.equal(fromPng.x.length, fromNpz.x.length);
  for (let i = 0; i < fromNpz.x.length; i++) {
    if (fromPng.x[i] !== fromNpz.x[i]) assert.fail(`element ${i}: png ${fromPng.x[i]} vs npz ${fromNpz.x[i]}`);
  }
  // Not all-zero or constant: real images came through.
  assert.ok(new Set(fromPng.x).size > 100);
});

test('class folders named by class name map sorted names to 0..K-1', async () => {
  const data = await readImageFolder(p('fmnist_named'), { channels: 1, height: 28, width: 28 });
  const sorted = [...NAMES].sort();
  assert.equal(data.labelling, 'sorted-names');
  assert.deepEqual(data.classNames, sorted);
  const byIndex = await readImageFolder(p('fmnist_png'), { channels: 1, height: 28, width: 28 });
  assert.equal(byIndex.labelling, 'index');
  assert.deepEqual(byIndex.classNames, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  // Loaded as a dataset, named folders carry their names on to the report (engine/data/class-names.ts); index
  // folders carry none.
  assert.deepEqual((await loadDataset(p('fmnist_named'), { expectShape: [1, 28, 28] })).classNames, sorted);
  assert.equal((await loadDataset(p('fmnist_png'), { expectShape: [1, 28, 28] })).classNames, undefined);
  // Each named-folder sample has the label of its name and the pixels of the same file in the index folder.
  const pixelsOf = new Map(byIndex.files.map((f, i) => [f.split('/').pop()!, byIndex.pixels.subarray(i * 784, (i + 1) * 784)]));
  data.files.forEach((file, i) => {
    const cls = file.split('/').at(-2)!;
    assert.equal(data.labels[i], sorted.indexOf(cls), file);
    assert.deepEqual(data.pixels.subarray(i * 784, (i + 1) * 784), pixelsOf.get(file.split('/').pop()!), file);
  });
});

test('gray images fed to a 3-channel model repeat the gray value in every channel', async () => {
  const gray = await loadDataset(p('fmnist_png'), { expectShape: [1, 28, 28] });
  const rgb = await loadDataset(p('fmnist_png'), { expectShape: [3, 28, 28] });
  assert.deepEqual(rgb.shape, [3, 28, 28]);
  for (let i = 0; i < gray.x.length; i++) {
    for (let c = 0; c < 3; c++) assert.equal(rgb.x[3 * i + c], gray.x[i]);
  }
});

test('RGB, RGBA and palette PNGs decode to the exact RGB pixels; gray models get PIL convert("L") values', async () => {
  const want = await readU8('rgb.u8');
  const data = await readImageFolder(p('rgb'), { channels: 3, height: 6, width: 5 });
  assert.deepEqual(Array.from(data.labels), [0, 0, 1, 1]);
  assert.deepEqual(data.pixels, want);
  const gray = await readImageFolder(p('rgb'), { channels: 1, height: 6, width: 5 });
  assert.deepEqual(gray.pixels, await readU8('rgb_as_gray.u8'));
  // Without a model channel count: colour images stay RGB, gray ones become one channel.
  assert.equal((await readImageFolder(p('rgb'))).channels, 3);
  const inferred = await readImageFolder(p('fmnist_png'));
  assert.equal(inferred.channels, 1);
  assert.equal(inferred.height, 28);
});

test('JPEG (colour 4:4:4, gray, colour 4:2:0) decodes to within rounding of libjpeg', async () => {
  const want = await readU8('jpeg.u8');
  const data = await readImageFolder(p('jpeg'), { channels: 3, height: 16, width: 24 });
  assert.deepEqual(data.files.map((f) => f.split('/').pop()), ['a.jpg', 'b.jpeg', 'c.jpg']);
  assert.equal(data.pixels.length, want.length);
  const plane = 16 * 24 * 3;
  // IDCTs differ by a level or two; for 4:2:0, libjpeg's "fancy" chroma upsampling differs from jpeg-js's by up
  // to ~10 levels at sharp chroma edges. A channel swap or a wrong colour transform would be off by tens to 200.
  const tolerance = [
    { worst: 2, mean: 1 },
    { worst: 2, mean: 1 },
    { worst: 12, mean: 5 },
  ];
  tolerance.forEach((tol, k) => {
    let worst = 0;
    let total = 0;
    for (let i = k * plane; i < (k + 1) * plane; i++) {
      const d = Math.abs(data.pixels[i]! - want[i]!);
      worst = Math.max(worst, d);
      total += d;
    }
    assert.ok(worst <= tol.worst, `${data.files[k]}: max difference ${worst}`);
    assert.ok(total / plane < tol.mean, `${data.files[k]}: mean difference ${total / plane}`);
  });
});

// ---- errors ----

test('an image of the wrong size names that file and both sizes', async () => {
  await assertInputError(
    loadDataset(p('wrong_size'), { expectShape: [1, 28, 28] }),
    'DATA_MISMATCH',
    p('wrong_size', '1', 'b.png'),
    /image is 32×32 \(H×W\) but the model expects 28×28; images are not resized/,
  );
  // Without a model shape the first image sets the size.
  await assertInputError(loadDataset(p('wrong_size')), 'DATA_MISMATCH', p('wrong_size', '1', 'b.png'), /is 32×32 .* expects 28×28/);
});

test('empty folders and folders without images are DATA_INVALID', async () => {
  await assertInputError(loadDataset(p('empty')), 'DATA_INVALID', p('empty'), /no class folders found/);
  await assertInputError(loadDataset(p('no_images')), 'DATA_INVALID', p('no_images'), /hold no images/);
});

test('non-image, fake and truncated image files are DATA_INVALID naming the file', async () => {
  await assertInputError(loadDataset(p('stray')), 'DATA_INVALID', p('stray', '0', 'notes.txt'), /not a \.png\/\.jpg\/\.jpeg image/);
  await assertInputError(loadDataset(p('fake')), 'DATA_INVALID', p('fake', '0', 'a.png'), /not a PNG or JPEG image/);
  await assertInputError(loadDataset(p('cut'), { expectShape: [1, 28, 28] }), 'DATA_INVALID', p('cut', '0', 'a.png'), /corrupt PNG/);
});

test('a class folder beyond the model\'s classes is DATA_MISMATCH naming the folder', async () => {
  await assertInputError(
    loadDataset(p('big_label'), { expectShape: [1, 28, 28], numClasses: 10 }),
    'DATA_MISMATCH',
    p('big_label'),
    /class folder '12' gives label 12, but the model has 10 classes/,
  );
  const ok = await loadDataset(p('big_label'), { expectShape: [1, 28, 28], numClasses: 13 });
  assert.deepEqual(Array.from(ok.y), [3, 12]);
});

test('caps: file count, resolution, and channel counts images cannot feed', async () => {
  await assertInputError(loadDataset(p('fmnist_png'), { limits: { maxFiles: 10 } }), 'LIMIT_EXCEEDED', p('fmnist_png'), /more than 10 image files/);
  const firstImage = (await readImageFolder(p('fmnist_png'))).files[0]!;
  await assertInputError(
    loadDataset(p('fmnist_png'), { limits: { maxImageMegapixels: 0.0005 } }),
    'LIMIT_EXCEEDED',
    firstImage,
    /image is 28×28 pixels, over the 0\.0005 megapixel limit/,
  );
  await assertInputError(loadDataset(p('fmnist_png'), { expectShape: [4, 28, 28] }), 'DATA_MISMATCH', p('fmnist_png'), /expects 4 channels/);
});
