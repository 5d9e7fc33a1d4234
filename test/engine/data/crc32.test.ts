// crc32 against Python's zlib.crc32 on buffers of every length mod 4 (the slicing loop and its byte tail).
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from '../../../src/engine/data/crc32';
import { makeTempDir, python } from './python-fixtures';

const { dir, cleanup } = makeTempDir('crc');
after(cleanup);

test('crc32 equals zlib.crc32 for lengths 0..9 and 100003 random bytes', () => {
  const out = python(
    dir,
    `import zlib, json
b = np.random.default_rng(1).integers(0, 256, 100003, dtype=np.uint8).tobytes()
open('bytes.bin', 'wb').write(b)
print(json.dumps([zlib.crc32(b[:n]) for n in list(range(10)) + [100003]]))`,
  );
  const want = JSON.parse(out) as number[];
  const bytes = new Uint8Array(readFileSync(join(dir, 'bytes.bin')));
  const lengths = [...Array.from({ length: 10 }, (_, n) => n), 100003];
  assert.deepEqual(lengths.map((n) => crc32(bytes.subarray(0, n))), want);
});
