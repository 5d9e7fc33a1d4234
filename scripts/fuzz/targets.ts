/**
 * What one fuzz case runs, and how its end is classified. A case passes when it ends in success or in an
 * InputError; anything else thrown is a crash. A decoded ONNX model must also survive the writer: re-encoding it
 * with every float initializer "replaced" by its own values must decode again to the same values (invariant).
 * Bomb cases (onnx-bombs.ts, data-bombs.ts) run the whole path a scan takes (decode and compile with its probe
 * forward pass; load the data set against a model's shape) under the lowered caps of bomb-limits.ts, and one
 * marked `expect: 'reject'` that loads is a failure ('accepted'). Every InputError's printed line must be one
 * short line with no control or bidi characters (invariant).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError, MAX_MESSAGE_CHARS } from '../../src/engine/errors';
import { readNpz } from '../../src/engine/data/npz';
import { loadDataset } from '../../src/engine/data/load';
import { decodeOnnx } from '../../src/engine/onnx/read';
import { encodeOnnxWithInitializers } from '../../src/engine/onnx/write';
import { selectBackend } from '../../src/engine/backend';
import { compileProgram } from '../../src/engine/graph/compile';
import type { CorpusSpec, FuzzCase } from './cases';
import { FUZZ_DATA_LIMITS, FUZZ_MODEL_LIMITS } from './bomb-limits';
import { materializeImageFolder, type ImageSpec } from './data-bombs';

export interface CaseResult {
  outcome: string;
  detail: string;
}

/** Characters an error line must never carry (errors.ts escapes them): controls, bidi controls, separators. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

export async function runCase(c: FuzzCase, spec: CorpusSpec): Promise<CaseResult> {
  let result: CaseResult;
  try {
    result = await runTarget(c, spec);
  } catch (err) {
    if (err instanceof InputError) {
      const line = err.describe();
      if (UNSAFE.test(err.message) || err.message.length > MAX_MESSAGE_CHARS + 1) {
        return { outcome: 'invariant', detail: `error line not one short clean line (${line.length} chars): ${JSON.stringify(line.slice(0, 300))}` };
      }
      return { outcome: `InputError:${err.code}`, detail: err.message };
    }
    const e = err as Error;
    return { outcome: 'crash', detail: `${e?.name}: ${e?.message}\n${e?.stack ?? ''}` };
  }
  if (c.expect === 'reject' && result.outcome === 'ok') {
    return { outcome: 'accepted', detail: `a bomb over the caps was accepted (${c.ops.join(', ')}): ${result.detail}` };
  }
  return result;
}

async function runTarget(c: FuzzCase, spec: CorpusSpec): Promise<CaseResult> {
  switch (c.target) {
    case 'onnx':
      return checkOnnx(c.bytes, join(spec.onnxDir, 'fuzz-case.onnx'));
    case 'npz': {
      const file = join(spec.workDir, `fuzz-case-${process.pid}.npz`);
      writeFileSync(file, c.bytes);
      const npz = await readNpz(file);
      return { outcome: 'ok', detail: `${npz.arrays.size} arrays` };
    }
    case 'onnx-bomb': {
      const file = join(spec.workDir, `fuzz-bomb-${process.pid}.onnx`);
      const graph = decodeOnnx(c.bytes, file, FUZZ_MODEL_LIMITS);
      await selectBackend('cpu');
      // The compile runs one forward pass: every size computed at run time meets its cap here.
      compileProgram(graph, file, FUZZ_MODEL_LIMITS).dispose();
      return { outcome: 'ok', detail: `${graph.nodes.length} nodes compiled` };
    }
    case 'npz-bomb': {
      const file = join(spec.workDir, `fuzz-bomb-${process.pid}.npz`);
      writeFileSync(file, c.bytes);
      const ds = await loadDataset(file, { expectShape: [1, 28, 28], numClasses: 10, limits: FUZZ_DATA_LIMITS });
      return { outcome: 'ok', detail: `${ds.count} samples` };
    }
    case 'images': {
      const root = join(spec.workDir, `fuzz-images-${process.pid}-${c.index}`);
      rmSync(root, { recursive: true, force: true });
      mkdirSync(root, { recursive: true });
      try {
        const imageSpec = JSON.parse(new TextDecoder().decode(c.bytes)) as ImageSpec;
        const made = materializeImageFolder(imageSpec, root);
        const ds = await loadDataset(root, { expectShape: [1, 28, 28], numClasses: 10, limits: FUZZ_DATA_LIMITS });
        // A variant this platform cannot make (no mkfifo) is a plain valid folder: success is then expected.
        if (!made) return { outcome: 'ok', detail: `${imageSpec.variant} not possible here; ${ds.count} images` };
        return { outcome: 'ok', detail: `${ds.count} images` };
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    }
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
