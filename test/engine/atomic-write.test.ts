// Atomic writes: a writer killed mid-write leaves the previous file intact; stale temps are cleaned later.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../../src/engine/atomic-write';
import { InputError } from '../../src/engine/errors';

const MODULE = join(__dirname, '..', '..', 'src', 'engine', 'atomic-write.ts');

// The child writes 64 MB through the real writeFileAtomic. To make the SIGKILL land mid-write every time (not
// by timing luck), it pauses the real FileHandle.write after the first 16 MB chunk has reached the temp file and
// tells the parent, which then kills it.
const CHILD = `
const fsp = require('node:fs/promises');
const { writeFileAtomic } = require(${JSON.stringify(MODULE)});
(async () => {
  const probe = await fsp.open(process.argv[1] + '.probe', 'w');
  const proto = Object.getPrototypeOf(probe);
  await probe.close();
  await fsp.unlink(process.argv[1] + '.probe');
  const realWrite = proto.write;
  let calls = 0;
  proto.write = async function (...args) {
    const r = await realWrite.apply(this, args);
    if (++calls === 1) { process.send('mid-write'); await new Promise(() => {}); }
    return r;
  };
  await writeFileAtomic(process.argv[1], new Uint8Array(64 * 1024 * 1024).fill(7));
  process.send('finished');
})();
`;

test('a writer SIGKILLed mid-write leaves the previous file intact and only a hidden temp file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'atomic-'));
  const dest = join(dir, 'pruned.onnx');
  writeFileSync(dest, 'previous model');
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', CHILD, dest], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const first = await new Promise<string>((resolve, reject) => {
    child.once('message', (m) => resolve(String(m)));
    child.once('exit', (code) => reject(new Error(`child exited early (${code})`)));
  });
  assert.equal(first, 'mid-write');
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));

  assert.equal(readFileSync(dest, 'utf8'), 'previous model');
  const others = readdirSync(dir).filter((f) => f !== 'pruned.onnx');
  assert.equal(others.length, 1, `left: ${others.join(', ')}`);
  assert.match(others[0], /^\.pruned\.onnx\.tmp-[0-9a-f]{8}$/);
  assert.equal(statSync(join(dir, others[0])).size, 16 * 1024 * 1024, 'the kill landed mid-write (one chunk written)');

  // The next successful write of the same name removes that temp once it is over a minute old, and nothing else.
  const old = new Date(Date.now() - 120_000);
  utimesSync(join(dir, others[0]), old, old);
  writeFileSync(join(dir, '.pruned.onnx.tmp-0123abcd'), 'a live writer'); // recent: maybe still being written
  writeFileSync(join(dir, '.other.onnx.tmp-89abcdef'), 'another file');
  utimesSync(join(dir, '.other.onnx.tmp-89abcdef'), old, old);
  await writeFileAtomic(dest, new TextEncoder().encode('new model'));
  assert.equal(readFileSync(dest, 'utf8'), 'new model');
  assert.deepEqual(readdirSync(dir).sort(), ['.other.onnx.tmp-89abcdef', '.pruned.onnx.tmp-0123abcd', 'pruned.onnx']);
});

test('a failed write removes its temp file and reports an IO error naming the file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'atomic-'));
  const dest = join(dir, 'taken');
  mkdirSync(dest); // rename of a file over a folder fails
  await assert.rejects(writeFileAtomic(dest, new Uint8Array(10)), (e: unknown) => {
    assert.ok(e instanceof InputError);
    assert.equal(e.code, 'IO');
    assert.equal(e.file, dest);
    assert.match(e.message, /cannot write the file/);
    return true;
  });
  assert.deepEqual(readdirSync(dir), ['taken']);
  await assert.rejects(writeFileAtomic(join(dir, 'missing-folder', 'x'), new Uint8Array(1)), /cannot write the file: ENOENT/);
});

test('refuses a destination that is a protected file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'atomic-'));
  const src = join(dir, 'in.onnx');
  writeFileSync(src, 'source');
  await assert.rejects(writeFileAtomic(join(dir, 'sub', '..', 'in.onnx'), new Uint8Array(1), { neverOverwrite: [src] }), /refusing to overwrite the input file/);
  assert.equal(readFileSync(src, 'utf8'), 'source');
  await writeFileAtomic(join(dir, 'out.onnx'), new Uint8Array([1]), { neverOverwrite: [src] });
  assert.ok(existsSync(join(dir, 'out.onnx')));
});
