// The .npy layer on its own: headers of format versions 1, 2 and 3 written by numpy, payloads at unaligned
// offsets, and the Python-literal header parser on the variants real writers produce.
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeNpy, parseNpy } from '../../../src/engine/data/npy';
import { parsePythonLiteral, PyLiteralError } from '../../../src/engine/data/python-literal';
import { makeTempDir, python } from './python-fixtures';

const { dir, cleanup } = makeTempDir('npy');
after(cleanup);

test('reads numpy .npy format versions 1, 2 and 3, also from an unaligned buffer offset', () => {
  python(
    dir,
    String.raw`
a = (np.arange(12, dtype='<f8').reshape(3, 4) * 1.5 - 4)
for v in (1, 2, 3):
    with open(f'v{v}.npy', 'wb') as f:
        np.lib.format.write_array(f, a, version=(v, 0))`,
  );
  const want = Array.from({ length: 12 }, (_, i) => i * 1.5 - 4);
  for (const v of [1, 2, 3]) {
    const bytes = new Uint8Array(readFileSync(join(dir, `v${v}.npy`)));
    assert.equal(bytes[6], v, 'numpy wrote the version we asked for');
    const shifted = new Uint8Array(bytes.length + 3).subarray(3);
    shifted.set(bytes);
    for (const buf of [bytes, shifted]) {
      const arr = parseNpy(buf, { file: 'mem', name: `v${v}` }, 1e6);
      assert.equal(arr.dtype, 'float64');
      assert.deepEqual(arr.shape, [3, 4]);
      assert.deepEqual(Array.from(arr.data as Float64Array), want);
    }
  }
});

test('encodeNpy pads the header to 64 bytes and numpy reads it back', () => {
  const bytes = encodeNpy({ dtype: 'int16', shape: [2, 2], data: Int16Array.from([-1, 2, -3, 400]) });
  const headerLength = bytes[8]! | (bytes[9]! << 8);
  assert.equal((10 + headerLength) % 64, 0);
  writeFileSync(join(dir, 'ours.npy'), bytes);
  const out = python(dir, `a = np.load('ours.npy'); print(a.dtype.str, a.shape, a.ravel().tolist())`);
  assert.equal(out.trim(), '<i2 (2, 2) [-1, 2, -3, 400]');
});

test('a 1-D array flagged fortran_order=True is the same bytes and is accepted', () => {
  const header = "{'descr': '<i4', 'fortran_order': True, 'shape': (3,), }";
  const body = new Uint8Array(12);
  new DataView(body.buffer).setInt32(4, 77, true);
  const bytes = new Uint8Array(10 + header.length + 1 + 12);
  bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length + 1, 0]);
  for (let i = 0; i < header.length; i++) bytes[10 + i] = header.charCodeAt(i);
  bytes[10 + header.length] = 0x0a;
  bytes.set(body, 11 + header.length);
  assert.deepEqual(Array.from(parseNpy(bytes, { file: 'mem', name: 'a' }, 1e6).data as Int32Array), [0, 77, 0]);
});

test('the header parser takes the literal variants writers produce and rejects everything else', () => {
  const dict = parsePythonLiteral(`{"descr": "<f4", 'fortran_order': False, 'shape': (2L, 3)}`) as Map<string, unknown>;
  assert.equal(dict.get('descr'), '<f4');
  assert.equal(dict.get('fortran_order'), false);
  assert.deepEqual(dict.get('shape'), [2, 3]);
  assert.deepEqual(parsePythonLiteral('()'), []);
  assert.deepEqual(parsePythonLiteral("[('a', '<i4'), None, True]"), [['a', '<i4'], null, true]);
  for (const bad of ["{'a': 1", "{'a' 1}", '__import__("os")', "{'a': 1} extra", "{1: 2}", "'unterminated"]) {
    assert.throws(() => parsePythonLiteral(bad), PyLiteralError, bad);
  }
});
