// Loads a committed trained fixture (fixtures/trained/NAME: model.onnx, defense.npz, poison_mixed.npz, meta.json)
// into a compiled program on the engine's own backend, for the evidence tests.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { selectBackend } from '../../../src/engine/backend';
import { readOnnxFile } from '../../../src/engine/onnx/read';
import { compileProgram } from '../../../src/engine/graph/compile';
import { loadDataset } from '../../../src/engine/data/load';
import type { Dataset } from '../../../src/engine/data/dataset';
import type { Program } from '../../../src/engine/graph/program';
import type { IrGraph } from '../../../src/engine/onnx/ir';

export const TRAINED = path.resolve(__dirname, '../../../fixtures/trained');

export interface Fixture {
  dir: string;
  meta: { target: number | null; attack: string };
  graph: IrGraph;
  program: Program;
  defense: Dataset;
}

export async function loadFixture(name: string): Promise<Fixture> {
  const dir = path.join(TRAINED, name);
  await selectBackend('auto');
  const meta = JSON.parse(readFileSync(path.join(dir, 'meta.json'), 'utf8'));
  const { graph } = await readOnnxFile(path.join(dir, 'model.onnx'));
  const program = compileProgram(graph);
  const defense = await loadDataset(path.join(dir, 'defense.npz'), { expectShape: program.inputShape, numClasses: program.numClasses });
  return { dir, meta, graph, program, defense };
}
