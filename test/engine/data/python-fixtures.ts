/**
 * Test fixtures made by real numpy/PIL (Debian's /usr/bin/python3): each test file writes its .npz / image files
 * into a fresh temp folder with a short Python script, so the readers are checked against the reference
 * implementation of the formats rather than against files this project wrote itself.
 */

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PYTHON = '/usr/bin/python3';

/** Runs `code` with cwd = `dir`; numpy is imported as np. Throws with Python's stderr on failure. */
export function python(dir: string, code: string): string {
  return execFileSync(PYTHON, ['-c', `import numpy as np\n${code}`], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export function makeTempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `rnp-data-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A float32 array Python saved with `a.astype('<f4').tofile(name)`. */
export function readF32(path: string): Float32Array {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** An int32 array Python saved with `a.astype('<i4').tofile(name)`. */
export function readI32(path: string): Int32Array {
  const b = readFileSync(path);
  return new Int32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}
