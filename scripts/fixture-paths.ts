/**
 * Where the ONNX fixtures live, shared by the tests (test/engine/onnx/fixtures.ts re-exports it) and the fuzzer
 * (scripts/fuzz/harness.ts seeds its corpus from them): scripts must not import tests, so the locations live here.
 * pythonFixtures runs test/engine/onnx/make_models.py (real PyTorch exports + values read back by onnx's Python
 * reader) once into a temp folder keyed by the script's hash and the parity models it is given.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
const SCRIPT = join(ROOT, 'test', 'engine', 'onnx', 'make_models.py');
export const PARITY_DIR = join(ROOT, 'fixtures', 'build', 'parity');

/** The parity fixtures another engineer generates (fixtures/parity.py), when they exist. */
export function parityModels(): string[] {
  if (!existsSync(PARITY_DIR)) return [];
  return readdirSync(PARITY_DIR)
    .filter((f) => f.endsWith('.onnx'))
    .sort()
    .map((f) => join(PARITY_DIR, f));
}

/** Folder holding cnn.onnx/.json, dtypes.onnx/.json, external/model.onnx and extra.json (parity summaries). */
export function pythonFixtures(): string {
  const extras = parityModels();
  const hash = createHash('sha256').update(readFileSync(SCRIPT));
  for (const f of extras) hash.update(`${f}:${statSync(f).size}:${statSync(f).mtimeMs}`);
  const dir = join(tmpdir(), `rnp-onnx-fixtures-${hash.digest('hex').slice(0, 16)}`);
  if (existsSync(join(dir, 'extra.json'))) return dir;
  const work = `${dir}.tmp-${process.pid}`;
  mkdirSync(work, { recursive: true });
  const r = spawnSync('/usr/bin/python3', [SCRIPT, work, ...extras], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`make_models.py failed: ${r.stderr}`);
  try {
    renameSync(work, dir);
  } catch {
    rmSync(work, { recursive: true, force: true }); // another test process won the race
  }
  return dir;
}
