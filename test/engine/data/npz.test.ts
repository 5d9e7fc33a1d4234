// readNpz / writeNpz against numpy itself: files written by np.savez / np.savez_compressed are read back value by
// value, files we write are loaded by numpy, and hand-crafted hostile archives fail with the right typed error.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readNpz, writeNpz } from '../../../src/engine/data/npz';
import { assertInputError } from './assert-input-error';
import { makeTempDir, python } from './python-fixtures';

const { dir, cleanup } = makeTempDir('npz');
const p = (name: string): string => join(dir, name);
after(cleanup);

// Shared Python: a hand-made .npy (to write headers numpy would refuse to write) and a central-directory patcher.
const CRAFT = String.raw`
import struct, zipfile, json
def raw_npy(header, payload, version=1):
    h = header.encode('latin1')
    pre = 10 if version == 1 else 12
    h = h + b' ' * ((64 - (pre + len(h) + 1) % 64) % 64) + b'\n'
    size = struct.pack('<H', len(h)) if version == 1 else struct.pack('<I', len(h))
    return b'\x93NUMPY' + bytes([version, 0]) + size + h + payload
def zip_entries(path, entries, compress=False):
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
def patch_central(path, offset, value):
    b = bytearray(open(path, 'rb').read())
    i = b.find(b'PK\x01\x02')
    struct.pack_into('<I', b, i + offset, value)
    open(path, 'wb').write(b)
`;

// Every dtype the reader supports, with values that probe the edges of each.
const ARRAYS = String.raw`
arrays = {
  'u1': np.array([[0, 1, 127], [128, 254, 255]], dtype='|u1'),
  'i1': np.array([-128, -1, 0, 127], dtype='|i1'),
  'i2': np.array([-32768, -2, 32767], dtype='<i2'),
  'u2': np.array([0, 65535, 1234], dtype='<u2'),
  'i4': np.arange(-6, 6, dtype='<i4').reshape(2, 3, 2),
  'u4': np.array([0, 4294967295], dtype='<u4'),
  'i8': np.array([-(2**62), -1, 2**62 + 12345], dtype='<i8'),
  'u8': np.array([0, 2**64 - 1], dtype='<u8'),
  'f4': np.array([[0.5, -1.25e-3], [3.4e38, -0.0]], dtype='<f4'),
  'f8': np.array([np.pi, -1e-300, 1e300], dtype='<f8'),
  'b1': np.array([True, False, True]),
  'be_i4': np.array([1, -2, 70000], dtype='>i4'),
  'be_f8': np.array([1.5, -2.25e10], dtype='>f8'),
  'scalar': np.array(7.0, dtype='<f4'),
  'empty': np.zeros((0, 3), dtype='<f4'),
}
expected = {k: {'shape': list(v.shape), 'values': [str(x) for x in v.astype(object).ravel().tolist()]} for k, v in arrays.items()}
`;

let expected: Record<string, { shape: number[]; values: string[] }>;

before(() => {
  expected = JSON.parse(
    python(
      dir,
      `${CRAFT}\n${ARRAYS}
np.savez('plain.npz', **arrays)
np.savez_compressed('compressed.npz', **arrays)
print(json.dumps(expected))`,
    ),
  );
});

const asText = (v: number | bigint | boolean): string => {
  if (typeof v === 'bigint') return v.toString();
  if (Object.is(v, -0)) return '-0.0';
  return String(v);
};

for (const file of ['plain.npz', 'compressed.npz']) {
  test(`reads every dtype numpy wrote (${file}) with the right shape and values`, async () => {
    const npz = await readNpz(p(file));
    assert.deepEqual(npz.keys, Object.keys(expected));
    for (const [name, want] of Object.entries(expected)) {
      const got = npz.arrays.get(name)!;
      assert.ok(got, `array ${name} read`);
      assert.deepEqual(got.shape, want.shape, `${name} shape`);
      assert.equal(got.data.length, want.values.length, `${name} length`);
      const values = Array.from(got.data as ArrayLike<number | bigint>, (v) => {
        if (got.dtype === 'bool') return v ? 'True' : 'False';
        if (got.dtype.startsWith('float')) return Number(v);
        return asText(v);
      });
      want.values.forEach((w, i) => {
        if (got.dtype.startsWith('float')) assert.equal(values[i], Number(w), `${name}[${i}]`);
        else assert.equal(values[i], w, `${name}[${i}]`);
      });
    }
    assert.equal(npz.arrays.get('be_i4')!.dtype, 'int32');
    assert.equal(npz.arrays.get('u8')!.dtype, 'uint64');
  });
}

test('`only` reads just the named arrays but still lists every key', async () => {
  const npz = await readNpz(p('compressed.npz'), undefined, { only: ['f4', 'missing'] });
  assert.deepEqual([...npz.arrays.keys()], ['f4']);
  assert.equal(npz.keys.length, Object.keys(expected).length);
});

test('writeNpz output loads in numpy with identical dtypes, shapes and values (stored and compressed)', async () => {
  const source = await readNpz(p('plain.npz'));
  const arrays = Object.fromEntries(source.arrays);
  await writeNpz(p('ours.npz'), arrays);
  await writeNpz(p('ours-z.npz'), arrays, { compress: true });
  const report = python(
    dir,
    String.raw`
import json
out = {}
for f in ['ours.npz', 'ours-z.npz']:
    d = np.load(f)
    out[f] = {k: {'dtype': d[k].dtype.str, 'shape': list(d[k].shape), 'values': [str(x) for x in d[k].astype(object).ravel().tolist()]} for k in d.files}
print(json.dumps(out))`,
  );
  const loaded = JSON.parse(report) as Record<string, Record<string, { dtype: string; shape: number[]; values: string[] }>>;
  for (const f of ['ours.npz', 'ours-z.npz']) {
    for (const [name, want] of Object.entries(expected)) {
      const got = loaded[f]![name]!;
      assert.ok(got, `${f}: ${name} present`);
      assert.deepEqual(got.shape, want.shape, `${f}: ${name} shape`);
      assert.deepEqual(got.values, want.values, `${f}: ${name} values`);
    }
    // Big-endian input is stored little-endian; everything else keeps its dtype.
    assert.equal(loaded[f]!['be_f8']!.dtype, '<f8');
    assert.equal(loaded[f]!['u1']!.dtype, '|u1');
    assert.equal(loaded[f]!['b1']!.dtype, '|b1');
  }
  // Re-reading our own file gives the same arrays as numpy's.
  const again = await readNpz(p('ours-z.npz'));
  for (const [name, arr] of source.arrays) assert.deepEqual(again.arrays.get(name)!.data, arr.data, name);
});

test('writeNpz leaves no temp file behind and replaces an existing file', async () => {
  const f32 = { dtype: 'float32' as const, shape: [2], data: Float32Array.from([1, 2]) };
  await writeNpz(p('replace.npz'), { a: f32 });
  await writeNpz(p('replace.npz'), { b: f32 });
  const npz = await readNpz(p('replace.npz'));
  assert.deepEqual(npz.keys, ['b']);
  assert.deepEqual(readdirSync(dir).filter((n) => n.includes('replace.npz')), ['replace.npz']);
});

// ---- hostile and broken files ----

test('a truncated zip is DATA_INVALID naming the file', async () => {
  python(dir, `b = open('compressed.npz', 'rb').read()\nopen('truncated.npz', 'wb').write(b[: len(b) // 2])`);
  await assertInputError(readNpz(p('truncated.npz')), 'DATA_INVALID', p('truncated.npz'), /not a valid \.npz\/zip archive/);
});

test('a flipped byte inside compressed data is DATA_INVALID, never wrong numbers', async () => {
  python(
    dir,
    `${CRAFT}
np.savez_compressed('flip.npz', x=np.arange(20000, dtype=np.float32))
b = bytearray(open('flip.npz', 'rb').read())
i = b.find(b'PK\\x03\\x04')
b[i + 30 + 5 + 20 + 2000] ^= 0x55
open('flip.npz', 'wb').write(b)`,
  );
  await assertInputError(readNpz(p('flip.npz')), 'DATA_INVALID', p('flip.npz'), /array 'x': zip entry is (corrupt|truncated)/);
});

test('a file that is not a zip at all is DATA_INVALID', async () => {
  python(dir, `open('text.npz', 'w').write('hello, this is not a zip archive' * 3)`);
  await assertInputError(readNpz(p('text.npz')), 'DATA_INVALID', p('text.npz'), /not a valid \.npz\/zip archive/);
});

test('a missing file is an IO error naming it; a folder is not an archive', async () => {
  await assertInputError(readNpz(p('nope.npz')), 'IO', p('nope.npz'), /cannot open/);
  await assertInputError(readNpz(dir), 'DATA_INVALID', dir, /not a regular file/);
});

test('Fortran-order arrays are rejected with a clear message', async () => {
  python(dir, `np.savez('fortran.npz', x=np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3)))`);
  await assertInputError(readNpz(p('fortran.npz')), 'DATA_INVALID', p('fortran.npz'), /array 'x'.*Fortran/);
});

test('a header claiming 10^12 elements is rejected before allocating (1-D and 2-D claims)', async () => {
  python(
    dir,
    `${CRAFT}
zip_entries('huge1.npz', {'x.npy': raw_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000,), }", b'\\0' * 64)})
zip_entries('huge2.npz', {'y.npy': raw_npy("{'descr': '|u1', 'fortran_order': False, 'shape': (1000000, 1000000), }", b'\\0' * 64)}, compress=True)`,
  );
  await assertInputError(readNpz(p('huge1.npz')), 'LIMIT_EXCEEDED', p('huge1.npz'), /array 'x': shape \(1000000000000,\) of float32 .*limit/);
  await assertInputError(readNpz(p('huge2.npz')), 'LIMIT_EXCEEDED', p('huge2.npz'), /array 'y': shape \(1000000, 1000000\) of uint8/);
});

test('an .npy header that lies about its own length is DATA_INVALID', async () => {
  python(
    dir,
    `${CRAFT}
good = raw_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", b'\\0' * 8, version=2)
bad = good[:8] + struct.pack('<I', 4000000000) + good[12:]
zip_entries('hdrlen.npz', {'x.npy': bad})`,
  );
  await assertInputError(readNpz(p('hdrlen.npz')), 'DATA_INVALID', p('hdrlen.npz'), /array 'x': \.npy header claims 4000000000 bytes/);
});

test('payload shorter than the header says is DATA_INVALID (truncated)', async () => {
  python(dir, `${CRAFT}\nzip_entries('short.npz', {'x.npy': raw_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (10,), }", b'\\0' * 32)})`);
  await assertInputError(readNpz(p('short.npz')), 'DATA_INVALID', p('short.npz'), /array 'x': holds 32 bytes of data but shape \(10,\) of float32 needs 40 \(file is truncated\)/);
});

test('unsupported, structured and malformed headers are DATA_INVALID naming the array', async () => {
  python(
    dir,
    `${CRAFT}
np.savez('complex.npz', z=np.zeros(3, dtype=np.complex64))
np.savez('structured.npz', s=np.zeros(2, dtype=[('a', '<i4'), ('b', '<f4')]))
zip_entries('syntax.npz', {'x.npy': raw_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,) ", b'\\0' * 8)})
zip_entries('negdim.npz', {'x.npy': raw_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (-2, 3), }", b'')})
zip_entries('notnpy.npz', {'x.npy': b'PK this is not an npy payload at all'})`,
  );
  await assertInputError(readNpz(p('complex.npz')), 'DATA_INVALID', p('complex.npz'), /array 'z': dtype '<c8' is not supported/);
  await assertInputError(readNpz(p('structured.npz')), 'DATA_INVALID', p('structured.npz'), /array 's': structured/);
  await assertInputError(readNpz(p('syntax.npz')), 'DATA_INVALID', p('syntax.npz'), /array 'x': malformed \.npy header/);
  await assertInputError(readNpz(p('negdim.npz')), 'DATA_INVALID', p('negdim.npz'), /array 'x': header 'shape' has an invalid dimension -2/);
  await assertInputError(readNpz(p('notnpy.npz')), 'DATA_INVALID', p('notnpy.npz'), /array 'x': not an \.npy array/);
});

test('zip bomb: a declared size over the cap is refused before inflating', async () => {
  // 4 GB declared in the central directory: over the default 2 GB cap.
  python(dir, `${CRAFT}\nnp.savez_compressed('bomb-declared.npz', x=np.zeros(1000, np.uint8))\npatch_central('bomb-declared.npz', 24, 0xFFFFFFF0)`);
  await assertInputError(readNpz(p('bomb-declared.npz')), 'LIMIT_EXCEEDED', p('bomb-declared.npz'), /array 'x': zip entry declares 4\.3 GB uncompressed, over the 2\.0 GB limit/);
  // An honest 20 MB of zeros (compresses to ~20 kB) under a 1 MB cap: refused from the directory alone.
  python(dir, `np.savez_compressed('zeros.npz', x=np.zeros(20_000_000, np.uint8))`);
  await assertInputError(readNpz(p('zeros.npz'), { maxBytes: 1e6 }), 'LIMIT_EXCEEDED', p('zeros.npz'), /array 'x': zip entry declares 20\.0 MB/);
});

test('zip bomb: an entry that inflates past its declared size stops there', async () => {
  // Declares 1000 bytes but holds 20 MB of zeros.
  python(dir, `${CRAFT}\nnp.savez_compressed('bomb-lying.npz', x=np.zeros(20_000_000, np.uint8))\npatch_central('bomb-lying.npz', 24, 1000)`);
  await assertInputError(readNpz(p('bomb-lying.npz')), 'DATA_INVALID', p('bomb-lying.npz'), /array 'x': zip entry inflates to more than its declared 1\.0 kB/);
});

test('too many zip entries is LIMIT_EXCEEDED', async () => {
  python(dir, `np.savez('many.npz', **{f'a{i}': np.zeros(1) for i in range(20)})`);
  await assertInputError(readNpz(p('many.npz'), { maxZipEntries: 10 }), 'LIMIT_EXCEEDED', p('many.npz'), /20 entries \(limit 10\)/);
});
