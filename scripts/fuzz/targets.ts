/**
 * What one fuzz case runs, and how its end is classified. A case passes when it ends in success or in an
 * InputError; anything else thrown is a crash. A decoded ONNX model must also survive the writer: re-encoding it
 * with every float initializer "replaced" by its own values must decode again to the same values (invariant).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../src/engine/errors';
import { readNpz } from '../../src/engine/data/npz';
import { decodeOnnx } from '../../src/engine/onnx/read';
import { encodeOnnxWithInitializers } from '../../src/engine/onnx/write';
import type { CorpusSpec, FuzzCase } from './cases';

export interface CaseResult {
  outcome: string;
  detail: string;
}

export async function runCase(c: FuzzCase, spec: CorpusSpec): Promise<CaseResult> {
  try {
    if (c.target === 'onnx') return checkOnnx(c.bytes, join(spec.onnxDir, 'fuzz-case.onnx'));
    const file = join(spec.workDir, `fuzz-case-${process.pid}.npz`);
    writeFileSync(file, c.bytes);
    const npz = await readNpz(file);
    return { outcome: 'ok', detail: `${npz.arrays.size} arrays` };
  } catch (err) {
    if (err instanceof InputError) return { outcome: `InputError:${err.code}`, detail: err.message };
    const e = err as Error;
    return { outcome: 'crash', detail: `${e?.name}: ${e?.message}\n${e?.stack ?? ''}` };
  }
}

function checkOnnx(bytes: Uint8Array, file: string): CaseResult {
  const graph = decodeOnnx(bytes, file);
  const floats = new Map<string, Float32Array>();
  for (const [name, t] of graph.initializers) if (t.kind === 'float') floats.set(name, t.data);
  const again = decodeOnnx(encodeOnnxWithInitializers(bytes, floats, file).model, file);
  if (again.nodes.length !== graph.nodes.length || again.initializers.size !== graph.initializers.size) {
    return { outcome: 'invariant', detail: 'the written model has a different structure' };
  }
  for (const [name, data] of floats) {
    const back = again.initializers.get(name)?.data;
    if (!back || back.length !== data.length) return { outcome: 'invariant', detail: `initializer '${name}' changed size` };
    for (let i = 0; i < data.length; i++) {
      if (!(Object.is(back[i], data[i]) || (Number.isNaN(back[i]) && Number.isNaN(data[i])))) {
        return { outcome: 'invariant', detail: `initializer '${name}'[${i}]: wrote ${data[i]}, read back ${back[i]}` };
      }
    }
  }
  return { outcome: 'ok', detail: `${graph.nodes.length} nodes` };
}
