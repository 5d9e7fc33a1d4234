/**
 * Issue #17, data sets: what a hostile data folder or archive can hold must end in one typed error, quickly, at the
 * default caps: a FIFO or a /dev/zero symlink named like an image, an oversized image file, .npz zip bombs whose
 * declared sizes are refused before anything is inflated (float32 over the data set cap; uint8 whose float32
 * tensor would be), and an .npy header nested 200 000 deep.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { PNG } from 'pngjs';
import { loadDataset } from '../../../src/engine/data/load';
import { readImageFolder } from '../../../src/engine/data/image-folder';
import { readNpz } from '../../../src/engine/data/npz';
import { DEFAULT_DATA_LIMITS } from '../../../src/engine/data/limits';
import { parsePythonLiteral, PyLiteralError } from '../../../src/engine/data/python-literal';
import { patchDeclaredSize, rawNpy } from '../../../scripts/fuzz/data-bombs';
import { assertInputError } from './assert-input-error';

const dir = mkdtempSync(join(tmpdir(), 'rnp-hostile-'));

function png(): Buffer {
  const p = new PNG({ width: 8, height: 8 });
  p.data.fill(200);
  return PNG.sync.write(p);
}

/** ROOT/0/a.png and ROOT/1/b.png, both valid. */
function imageFolder(name: string): string {
  const root = join(dir, name);
  mkdirSync(join(root, '0'), { recursive: true });
  mkdirSync(join(root, '1'), { recursive: true });
  writeFileSync(join(root, '0', 'a.png'), png());
  writeFileSync(join(root, '1', 'b.png'), png());
  return root;
}

const dict = (descr: string, shape: string) => `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;

test('a FIFO named x.png is refused, not read (a plain read blocks forever)', async (t) => {
  const root = imageFolder('fifo');
  const fifo = join(root, '0', 'x.png');
  if (spawnSync('mkfifo', [fifo]).status !== 0) {
    t.diagnostic('mkfifo is not available: the special-file case is covered by the /dev/zero test');
    return;
  }
  await assertInputError(loadDataset(root, { expectShape: [1, 8, 8] }), 'DATA_INVALID', fifo, /is a named pipe \(FIFO\), not a regular file/);
});

test('a .png symlink to /dev/zero is refused (it reads without end); a symlink to a regular image is followed', async () => {
  const root = imageFolder('zero');
  const zero = join(root, '0', 'z.png');
  symlinkSync('/dev/zero', zero);
  await assertInputError(readImageFolder(root), 'DATA_INVALID', zero, /is a character device, not a regular file/);
  // A data set of symlinks into an image pool elsewhere: followed, the target is a regular file.
  const ok = imageFolder('linked');
  const pool = join(dir, 'pool.png');
  writeFileSync(pool, png());
  symlinkSync(pool, join(ok, '1', 'c.png'));
  assert.equal((await readImageFolder(ok)).count, 3);
});

test('an image file over maxImageFileBytes is refused before it is read', async () => {
  const root = imageFolder('big');
  const big = join(root, '0', 'big.png');
  const bytes = new Uint8Array(5000);
  bytes.set(png());
  writeFileSync(big, bytes);
  await assertInputError(readImageFolder(root, { limits: { maxImageFileBytes: 4096 } }), 'LIMIT_EXCEEDED', big, /the image file is 5000 bytes, more than the limit of 4096 \(maxImageFileBytes\)/);
});

test('a FIFO given as the .npz is refused without blocking', async (t) => {
  const fifo = join(dir, 'pipe.npz');
  if (spawnSync('mkfifo', [fifo]).status !== 0) {
    t.diagnostic('mkfifo is not available here');
    return;
  }
  await assertInputError(loadDataset(fifo), 'DATA_INVALID', fifo, /is a named pipe \(FIFO\), not a regular file/);
});

test('float32 zip bomb (declares 1.88 GB): refused by the data set cap from the zip directory, nothing inflated', async () => {
  const n = 600_000; // (600000, 1, 28, 28) float32 = 1.88 GB, the tester's bomb
  const x = rawNpy(dict('<f4', `(${n}, 1, 28, 28)`), new Uint8Array(4096));
  const dataStart = x.length - 4096;
  const file = join(dir, 'bomb-f32.npz');
  writeFileSync(file, patchDeclaredSize(zipSync({ 'x.npy': x }, { level: 9 }), dataStart + n * 784 * 4));
  assert.ok(DEFAULT_DATA_LIMITS.maxDatasetBytes < 1e9, 'the default data set cap is a few hundred MB');
  await assertInputError(loadDataset(file, { expectShape: [1, 28, 28] }), 'LIMIT_EXCEEDED', file, /array 'x': the arrays read so far total 1\.9 GB, over the 512\.0 MB data set limit \(maxDatasetBytes\)/);
});

test('uint8 zip bomb (470 MB that would become 1.88 GB of float32): refused from the .npy header before inflating the data', async () => {
  const n = 600_000;
  const x = rawNpy(dict('|u1', `(${n}, 1, 28, 28)`), new Uint8Array(4096));
  const dataStart = x.length - 4096;
  const file = join(dir, 'bomb-u8.npz');
  // The archive holds 4 kB of data but declares all 470 MB: only the header is ever inflated.
  writeFileSync(file, patchDeclaredSize(zipSync({ 'x.npy': x }, { level: 9 }), dataStart + n * 784));
  await assertInputError(loadDataset(file, { expectShape: [1, 28, 28] }), 'LIMIT_EXCEEDED', file, /600000 samples of 1×28×28 need 1\.9 GB as float32, over the 512\.0 MB limit \(maxDatasetBytes\)/);
  // --max-samples within the cap: the header check lets it through, and the lie is caught as a truncated entry.
  await assertInputError(loadDataset(file, { expectShape: [1, 28, 28], maxSamples: 10 }), 'DATA_INVALID', file, /array 'x': zip entry is truncated/);
});

test('an .npy header whose shape disagrees with the zip entry size is refused before inflating', async () => {
  const x = rawNpy(dict('|u1', '(4, 1, 28, 28)'), new Uint8Array(4 * 784 + 100));
  const file = join(dir, 'disagree.npz');
  writeFileSync(file, zipSync({ 'x.npy': x }, { level: 6 }));
  await assertInputError(readNpz(file), 'DATA_INVALID', file, /array 'x': holds 3236 bytes of data but shape \(4, 1, 28, 28\) of uint8 needs 3136$/);
});

test('an .npy header nested 200 000 deep is DATA_INVALID, not a stack overflow', async () => {
  const depth = 200_000;
  const header = `{'descr': '|u1', 'fortran_order': False, 'shape': ${'['.repeat(depth)}${']'.repeat(depth)}, }`;
  const file = join(dir, 'nested.npz');
  writeFileSync(file, zipSync({ 'x.npy': rawNpy(header, new Uint8Array(0)) }));
  await assertInputError(readNpz(file), 'DATA_INVALID', file, /array 'x': malformed \.npy header \(nested more than 32 deep/);
  assert.throws(() => parsePythonLiteral('('.repeat(33) + ')'.repeat(33)), PyLiteralError);
  assert.deepEqual(parsePythonLiteral('{"a": [(1, 2), [3]]}'), new Map([['a', [[1, 2], [3]]]]));
});
