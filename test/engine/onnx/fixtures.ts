/**
 * Test fixtures for the ONNX tests: runs make_models.py (real PyTorch exports + values read back by onnx's
 * Python reader) once into a temp folder keyed by the script's hash, and crafts small models with onnx-proto
 * for the rejection tests.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onnx } from 'onnx-proto';

const SCRIPT = join(__dirname, 'make_models.py');
export const PARITY_DIR = join(__dirname, '..', '..', '..', 'fixtures', 'build', 'parity');

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

export interface CraftOptions {
  irVersion?: number;
  opset?: number;
  nodes?: onnx.INodeProto[];
  initializers?: onnx.ITensorProto[];
  inputs?: onnx.IValueInfoProto[];
  outputs?: onnx.IValueInfoProto[];
}

export function valueInfo(name: string, dims: number[] = [1, 1, 4, 4]): onnx.IValueInfoProto {
  return { name, type: { tensorType: { elemType: 1, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } };
}

export function floatTensor(name: string, dims: number[], values: number[]): onnx.ITensorProto {
  const raw = new Uint8Array(new Float32Array(values).buffer);
  return { name, dataType: 1, dims, rawData: raw };
}

/** A valid minimal model: Y = X * W, W a 1×1×1×1 float initializer; options replace any part. */
export function craftModel(o: CraftOptions = {}): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: o.irVersion ?? 7,
    producerName: 'test',
    opsetImport: [{ domain: '', version: o.opset ?? 13 }],
    graph: {
      name: 'crafted',
      node: o.nodes ?? [{ name: 'mul', opType: 'Mul', input: ['X', 'W'], output: ['Y'] }],
      initializer: o.initializers ?? [floatTensor('W', [1, 1, 1, 1], [2])],
      input: o.inputs ?? [valueInfo('X')],
      output: o.outputs ?? [valueInfo('Y')],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}
