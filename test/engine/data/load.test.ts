// loadDataset on .npz files numpy wrote: layout conversion (NCHW, NHWC, N×H×W) to NHWC float32 and the
// uint8 scaling and mean/std, compared element by element with numpy's own computation; plus the mismatch errors.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describeDataset, loadDataset } from '../../../src/engine/data/load';
import { InputError } from '../../../src/engine/errors';
import { assertInputError } from './assert-input-error';
import { makeTempDir, python, readF32, readI32 } from './python-fixtures';

const { dir, cleanup } = makeTempDir('load');
const p = (name: string): string => join(dir, name);
after(cleanup);

const MEAN = [0.4914, 0.4822, 0.4465];
const STD = [0.247, 0.243, 0.261];

before(() => {
  // Reference tensors are computed in float64 and rounded once to float32, as the loader does, so the
  // comparison can be exact.
  python(
    dir,
    String.raw`
rng = np.random.default_rng(3)
mean = np.array(${JSON.stringify(MEAN)}); std = np.array(${JSON.stringify(STD)})
# uint8 NCHW RGB, labels int64
x = rng.integers(0, 256, size=(4, 3, 5, 6), dtype=np.uint8)
y = np.array([0, 9, 3, 7], dtype=np.int64)
np.savez('u8_nchw.npz', x=x, y=y)
((x.astype(np.float64) / 255 - mean[None, :, None, None]) / std[None, :, None, None]).transpose(0, 2, 3, 1).astype('<f4').tofile('u8_nchw.norm.f32')
(x.astype(np.float64) / 255).transpose(0, 2, 3, 1).astype('<f4').tofile('u8_nchw.plain.f32')
y.astype('<i4').tofile('u8_nchw.y.i32')
np.savez('u8_nhwc.npz', x=np.ascontiguousarray(x.transpose(0, 2, 3, 1)), y=y)
# float32 NHWC, labels uint8, compressed
xf = rng.normal(size=(3, 5, 6, 3)).astype(np.float32)
np.savez_compressed('f32_nhwc.npz', x=xf, y=np.array([2, 1, 0], dtype=np.uint8))
xf.astype('<f4').tofile('f32_nhwc.f32')
# float64 NCHW, float labels with integral values, shaped (N, 1)
xd = rng.normal(size=(2, 3, 5, 6))
np.savez('f64_nchw.npz', x=xd, y=np.array([[1.0], [4.0]], dtype=np.float32))
xd.transpose(0, 2, 3, 1).astype('<f4').tofile('f64_nchw.f32')
# gray: the same pixels as (N,H,W), (N,1,H,W) and (N,H,W,1)
g = rng.integers(0, 256, size=(5, 7, 4), dtype=np.uint8)
gy = np.array([1, 0, 1, 0, 1], dtype=np.int32)
np.savez('gray_nhw.npz', x=g, y=gy)
np.savez('gray_n1hw.npz', x=g[:, None], y=gy)
np.savez('gray_nhw1.npz', x=g[..., None], y=gy)
(g.astype(np.float64) / 255).astype('<f4').tofile('gray.f32')
# broken ones
np.savez('no_y.npz', x=x, labels=y)
np.savez('no_x.npz', images=x, y=y)
np.savez('bad_label.npz', x=x, y=np.array([0, 1, 2, 10]))
np.savez('neg_label.npz', x=x, y=np.array([0, -1, 2, 3], dtype=np.int8))
np.savez('frac_label.npz', x=x, y=np.array([0, 1.5, 2, 3]))
np.savez('short_y.npz', x=x, y=np.array([0, 1, 2]))
np.savez('bool_y.npz', x=x, y=np.array([True, False, True, False]))
np.savez('rgb32.npz', x=np.zeros((4, 3, 32, 32), np.uint8), y=y)
np.savez('ambiguous.npz', x=np.zeros((2, 3, 8, 3), np.uint8), y=np.array([0, 1]))
np.savez('int16_x.npz', x=x.astype(np.int16), y=y)
# poison flags: bool and uint8 accepted; wrong length, values or dtype refused
np.savez('flags_bool.npz', x=x, y=y, is_poison=np.array([True, False, False, True]))
np.savez('flags_u8.npz', x=x, y=y, is_poison=np.array([0, 1, 0, 0], dtype=np.uint8))
np.savez('flags_short.npz', x=x, y=y, is_poison=np.array([0, 1, 0], dtype=np.uint8))
np.savez('flags_two.npz', x=x, y=y, is_poison=np.array([0, 2, 0, 1], dtype=np.int64))
np.savez('flags_float.npz', x=x, y=y, is_poison=np.array([0.0, 1.0, 0.0, 1.0]))
xn = xf.copy(); xn[1, 2, 3, 1] = np.nan
np.savez('nan_x.npz', x=xn, y=np.array([2, 1, 0]))
np.savez('five_d.npz', x=np.zeros((2, 1, 3, 5, 6), np.uint8), y=np.array([0, 1]))
`,
  );
});

const assertSame = (got: Float32Array, want: Float32Array, what: string): void => {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    if (got[i] !== want[i]) assert.fail(`${what}: element ${i} is ${got[i]}, numpy says ${want[i]}`);
  }
};

test('uint8 NCHW and NHWC → NHWC float32, /255 then per-channel mean/std, exactly as numpy computes it', async () => {
  const ds = await loadDataset(p('u8_nchw.npz'), { expectShape: [3, 5, 6], numClasses: 10, mean: MEAN, std: STD });
  assert.equal(ds.count, 4);
  assert.deepEqual(ds.shape, [3, 5, 6]);
  assert.equal(ds.fromUint8, true);
  assert.deepEqual(ds.mean, MEAN);
  assert.deepEqual(ds.std, STD);
  assertSame(ds.x, readF32(p('u8_nchw.norm.f32')), 'normalised');
  assert.deepEqual(ds.y, readI32(p('u8_nchw.y.i32')));
  assert.deepEqual(describeDataset(ds), { path: p('u8_nchw.npz'), count: 4, shape: [3, 5, 6] });

  const nhwc = await loadDataset(p('u8_nhwc.npz'), { expectShape: [3, 5, 6], numClasses: 10, mean: MEAN, std: STD });
  assertSame(nhwc.x, readF32(p('u8_nchw.norm.f32')), 'uint8 NHWC, normalised');

  const plain = await loadDataset(p('u8_nchw.npz'), { expectShape: [3, 5, 6], numClasses: 10 });
  assertSame(plain.x, readF32(p('u8_nchw.plain.f32')), 'scaled only');
  assert.deepEqual(plain.mean, []);
  assert.deepEqual(plain.std, []);
});

test('float32 NHWC is taken as is; float64 NCHW is transposed and rounded to float32', async () => {
  const nhwc = await loadDataset(p('f32_nhwc.npz'), { expectShape: [3, 5, 6], numClasses: 3 });
  assert.equal(nhwc.fromUint8, false);
  assertSame(nhwc.x, readF32(p('f32_nhwc.f32')), 'float32 NHWC');
  assert.deepEqual(Array.from(nhwc.y), [2, 1, 0]);

  const nchw = await loadDataset(p('f64_nchw.npz'), { expectShape: [3, 5, 6], numClasses: 5 });
  assertSame(nchw.x, readF32(p('f64_nchw.f32')), 'float64 NCHW');
  assert.deepEqual(Array.from(nchw.y), [1, 4], 'integral float labels of shape (N, 1)');
});

test('(N,H,W), (N,1,H,W) and (N,H,W,1) gray arrays load to the same tensor', async () => {
  const want = readF32(p('gray.f32'));
  for (const f of ['gray_nhw.npz', 'gray_n1hw.npz', 'gray_nhw1.npz']) {
    const ds = await loadDataset(p(f), { expectShape: [1, 7, 4], numClasses: 2 });
    assert.deepEqual(ds.shape, [1, 7, 4], f);
    assertSame(ds.x, want, f);
    assert.deepEqual(Array.from(ds.y), [1, 0, 1, 0, 1], f);
  }
});

test('a single mean/std value broadcasts to every channel', async () => {
  const one = await loadDataset(p('u8_nchw.npz'), { expectShape: [3, 5, 6], mean: [0.5], std: [0.25] });
  const three = await loadDataset(p('u8_nchw.npz'), { expectShape: [3, 5, 6], mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] });
  assert.deepEqual(one.mean, [0.5, 0.5, 0.5]);
  assertSame(one.x, three.x, 'broadcast');
  assert.ok(Math.abs(one.x[0]! - ((readF32(p('u8_nchw.plain.f32'))[0]! - 0.5) / 0.25)) < 1e-6);
});

test('without the model shape, an unambiguous layout is inferred', async () => {
  const nchw = await loadDataset(p('u8_nchw.npz'));
  assert.deepEqual(nchw.shape, [3, 5, 6]);
  assertSame(nchw.x, readF32(p('u8_nchw.plain.f32')), 'inferred NCHW');
  const nhwc = await loadDataset(p('f32_nhwc.npz'));
  assert.deepEqual(nhwc.shape, [3, 5, 6]);
  assertSame(nhwc.x, readF32(p('f32_nhwc.f32')), 'inferred NHWC');
});

test('maxSamples keeps the first samples; labelsRequired=false allows a file without y', async () => {
  const ds = await loadDataset(p('u8_nchw.npz'), { expectShape: [3, 5, 6], maxSamples: 2 });
  assert.equal(ds.count, 2);
  assert.deepEqual(Array.from(ds.y), [0, 9]);
  assertSame(ds.x, readF32(p('u8_nchw.plain.f32')).subarray(0, 2 * 90), 'first two samples');
  const unlabelled = await loadDataset(p('no_y.npz'), { expectShape: [3, 5, 6], labelsRequired: false });
  assert.deepEqual(Array.from(unlabelled.y), [-1, -1, -1, -1]);
});

// ---- errors: each names the file and says what is wrong ----

test('missing y or x lists the arrays found', async () => {
  await assertInputError(loadDataset(p('no_y.npz'), { expectShape: [3, 5, 6] }), 'DATA_INVALID', p('no_y.npz'), /no array 'y' .*arrays found: 'x', 'labels'/);
  await assertInputError(loadDataset(p('no_x.npz'), { expectShape: [3, 5, 6] }), 'DATA_INVALID', p('no_x.npz'), /no array 'x' .*arrays found: 'images', 'y'/);
});

test('labels outside [0, numClasses) name the first bad index and value', async () => {
  await assertInputError(
    loadDataset(p('bad_label.npz'), { expectShape: [3, 5, 6], numClasses: 10 }),
    'DATA_MISMATCH',
    p('bad_label.npz'),
    /array 'y'\[3\] = 10 is out of range; labels must be in \[0, 10\)/,
  );
  await assertInputError(loadDataset(p('neg_label.npz'), { expectShape: [3, 5, 6], numClasses: 10 }), 'DATA_MISMATCH', p('neg_label.npz'), /array 'y'\[1\] = -1 is out of range/);
  // The same file is fine for a model with more classes.
  const ok = await loadDataset(p('bad_label.npz'), { expectShape: [3, 5, 6], numClasses: 11 });
  assert.deepEqual(Array.from(ok.y), [0, 1, 2, 10]);
});

test('non-integral, boolean or wrongly sized labels are rejected', async () => {
  await assertInputError(loadDataset(p('frac_label.npz'), { expectShape: [3, 5, 6] }), 'DATA_INVALID', p('frac_label.npz'), /array 'y'\[1\] = 1\.5 is not an integer/);
  await assertInputError(loadDataset(p('bool_y.npz'), { expectShape: [3, 5, 6] }), 'DATA_INVALID', p('bool_y.npz'), /array 'y' is boolean/);
  await assertInputError(loadDataset(p('short_y.npz'), { expectShape: [3, 5, 6] }), 'DATA_MISMATCH', p('short_y.npz'), /array 'y' has shape \(3,\) but there are 4 samples/);
});

test('an image shape that does not fit the model says what the model expects and what the file has', async () => {
  await assertInputError(
    loadDataset(p('rgb32.npz'), { expectShape: [1, 28, 28], numClasses: 10 }),
    'DATA_MISMATCH',
    p('rgb32.npz'),
    /array 'x' has shape \(4, 3, 32, 32\);.* the model expects \(N, 1, 28, 28\) \(NCHW\) or \(N, 28, 28, 1\) \(NHWC\) or \(N, 28, 28\)/,
  );
  await assertInputError(loadDataset(p('gray_nhw.npz'), { expectShape: [3, 7, 4] }), 'DATA_MISMATCH', p('gray_nhw.npz'), /has shape \(5, 7, 4\).*expects \(N, 3, 7, 4\)/);
  await assertInputError(loadDataset(p('five_d.npz'), { expectShape: [1, 5, 6] }), 'DATA_MISMATCH', p('five_d.npz'), /needs 3 or 4 dimensions, not 5/);
  await assertInputError(loadDataset(p('ambiguous.npz')), 'DATA_MISMATCH', p('ambiguous.npz'), /cannot tell whether it is NCHW or NHWC/);
});

test('x must be uint8 or float and finite', async () => {
  await assertInputError(loadDataset(p('int16_x.npz'), { expectShape: [3, 5, 6] }), 'DATA_INVALID', p('int16_x.npz'), /array 'x' has dtype int16/);
  await assertInputError(loadDataset(p('nan_x.npz'), { expectShape: [3, 5, 6] }), 'DATA_INVALID', p('nan_x.npz'), /array 'x' holds a non-finite value \(NaN\)/);
});

test('the float tensor must fit the byte cap (uint8 grows 4x)', async () => {
  // 4×3×5×6 uint8 = 360 bytes in the file, 1440 bytes as float32.
  await assertInputError(loadDataset(p('u8_nchw.npz'), { expectShape: [3, 5, 6], limits: { maxBytes: 1000 } }), 'LIMIT_EXCEEDED', p('u8_nchw.npz'), /need 1\.4 kB as float32/);
});

test('bad mean/std options are OPTION_INVALID; a missing path is IO', async () => {
  const cases: [{ mean?: number[]; std?: number[] }, RegExp][] = [
    [{ mean: [0.1, 0.2] }, /mean has 2 values but the model takes 3 channel/],
    [{ std: [0] }, /std value 0 must be greater than 0/],
    [{ mean: [Number.NaN] }, /not a finite number/],
  ];
  for (const [opts, pattern] of cases) {
    await assert.rejects(loadDataset(p('u8_nchw.npz'), { expectShape: [3, 5, 6], ...opts }), (e: unknown) => {
      assert.ok(e instanceof InputError);
      assert.equal(e.code, 'OPTION_INVALID');
      assert.match(e.message, pattern);
      return true;
    });
  }
  await assertInputError(loadDataset(p('absent.npz')), 'IO', p('absent.npz'), /cannot read/);
});

test('is_poison flags: read only when asked, bool or 0/1 integers, one per sample, cut with maxSamples', async () => {
  assert.equal((await loadDataset(p('flags_bool.npz'), { expectShape: [3, 5, 6] })).isPoison, undefined, 'not asked: not read');
  assert.deepEqual(Array.from((await loadDataset(p('flags_bool.npz'), { expectShape: [3, 5, 6], poisonFlags: true })).isPoison!), [1, 0, 0, 1]);
  assert.deepEqual(Array.from((await loadDataset(p('flags_u8.npz'), { expectShape: [3, 5, 6], poisonFlags: true, maxSamples: 2 })).isPoison!), [0, 1]);
  assert.equal((await loadDataset(p('u8_nchw.npz'), { expectShape: [3, 5, 6], poisonFlags: true })).isPoison, undefined, 'no flags in the file');
  await assertInputError(loadDataset(p('flags_short.npz'), { expectShape: [3, 5, 6], poisonFlags: true }), 'DATA_INVALID', p('flags_short.npz'), /'is_poison' has shape \[3\]; it must be \[4\]/);
  await assertInputError(loadDataset(p('flags_two.npz'), { expectShape: [3, 5, 6], poisonFlags: true }), 'DATA_INVALID', p('flags_two.npz'), /has 2 at index 1; flags must be 0 or 1/);
  await assertInputError(loadDataset(p('flags_float.npz'), { expectShape: [3, 5, 6], poisonFlags: true }), 'DATA_INVALID', p('flags_float.npz'), /dtype float64; flags must be bool or integers/);
});
