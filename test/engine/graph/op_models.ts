/** The single-op-family ONNX models of make_op_models.py, generated once per test process into a temp folder. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface OpModel {
  name: string;
  file: string;
  inputShape: [number, number, number];
  opset: number;
}

let cached: OpModel[] | undefined;

export function opModels(): OpModel[] {
  if (cached) return cached;
  const dir = mkdtempSync(join(tmpdir(), 'rnp-op-models-'));
  const r = spawnSync('/usr/bin/python3', [join(__dirname, 'make_op_models.py'), dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`make_op_models.py failed: ${r.stderr}`);
  const list = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as OpModel[];
  cached = list.map((m) => ({ ...m, file: join(dir, m.file) }));
  return cached;
}
