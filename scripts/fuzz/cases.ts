/**
 * The fuzz corpus (real fixture files) and the deterministic case generator: case `index` of a run seeded with
 * `seed` always picks the same target, source file and mutations, so the parent (for reports and crash files),
 * the worker (to run it) and `--repro` agree on its bytes. Every fifth case is a structure-aware bomb instead
 * (onnx-bombs.ts, data-bombs.ts: generated, not mutated), cycling through ONNX models, .npz archives and image
 * folders.
 */
import { readFileSync } from 'node:fs';
import { unzipSync, zipSync } from 'fflate';
import { basename } from 'node:path';
import { caseSeed, mutate, protobufVarints, rng, type VarintSite } from './mutate';
import { mutateModelStructure } from './onnx-mutate';
import { makeOnnxBomb } from './onnx-bombs';
import { makeImageBomb, makeNpzBomb } from './data-bombs';

export type Target = 'onnx' | 'npz' | 'onnx-bomb' | 'npz-bomb' | 'images';
export const TARGETS: readonly Target[] = ['onnx', 'npz', 'onnx-bomb', 'npz-bomb', 'images'];
const BOMB_TARGETS = ['onnx-bomb', 'npz-bomb', 'images'] as const;
/** One case in this many is a generated bomb. */
const BOMB_EVERY = 5;

export interface CorpusSpec {
  onnx: string[];
  npz: string[];
  /** Folder the ONNX cases are "located" in, holding the external-data side file of the external model. */
  onnxDir: string;
  /** Scratch folder for the npz cases' files. */
  workDir: string;
}

interface CorpusFile {
  name: string;
  bytes: Uint8Array;
  sites: VarintSite[];
  /** For .npz files: the archive's entries (the .npy files), so a case can mutate one and re-zip it. */
  entries?: Record<string, Uint8Array>;
}

export interface Corpus {
  spec: CorpusSpec;
  onnx: CorpusFile[];
  npz: CorpusFile[];
}

export function loadCorpus(spec: CorpusSpec): Corpus {
  const load = (path: string, protobuf: boolean): CorpusFile => {
    const bytes = new Uint8Array(readFileSync(path));
    if (protobuf) return { name: basename(path), bytes, sites: protobufVarints(bytes) };
    return { name: basename(path), bytes, sites: [], entries: unzipSync(bytes) };
  };
  return { spec, onnx: spec.onnx.map((p) => load(p, true)), npz: spec.npz.map((p) => load(p, false)) };
}

export interface FuzzCase {
  index: number;
  seed: number;
  target: Target;
  source: string;
  ops: string[];
  bytes: Uint8Array;
  /** 'reject': the case must end in an InputError (a bomb over the caps); success is then a failure. */
  expect?: 'reject' | 'any';
}

export function makeCase(corpus: Corpus, runSeed: number, index: number): FuzzCase {
  const seed = caseSeed(runSeed, index);
  if (index % BOMB_EVERY === BOMB_EVERY - 1) {
    const target = BOMB_TARGETS[Math.floor(index / BOMB_EVERY) % BOMB_TARGETS.length]!;
    const make = target === 'onnx-bomb' ? makeOnnxBomb : target === 'npz-bomb' ? makeNpzBomb : makeImageBomb;
    const b = make(rng(seed));
    return { index, seed, target, source: 'generated', ops: b.ops, bytes: b.bytes, expect: b.expect };
  }
  const rand = rng(seed ^ 0x5bd1e995);
  // Two ONNX cases for each npz case: the model reader is the larger attack surface.
  const target: Target = corpus.npz.length > 0 && index % 3 === 2 ? 'npz' : 'onnx';
  const files = target === 'onnx' ? corpus.onnx : corpus.npz;
  const file = files[Math.floor(rand() * files.length)];
  const other = files[Math.floor(rand() * files.length)];
  if (target === 'onnx' && rand() < 0.5) {
    const structured = mutateModelStructure(file.bytes, rng(seed));
    return { index, seed, target, source: file.name, ops: structured.ops.map((o) => `model:${o}`), bytes: structured.bytes };
  }
  if (file.entries && rand() < 0.5) {
    // Mutate one .npy inside the archive and re-zip it with valid CRCs, so the case gets past the zip layer
    // and reaches the .npy header and data parser.
    const names = Object.keys(file.entries);
    const name = names[Math.floor(rand() * names.length)];
    const inner = mutate({ bytes: file.entries[name], other: file.entries[names[0]], sites: [] }, seed);
    const bytes = zipSync({ ...file.entries, [name]: inner.bytes }, { level: rand() < 0.5 ? 0 : 6 });
    return { index, seed, target, source: `${file.name}/${name}`, ops: inner.ops, bytes };
  }
  const { bytes, ops } = mutate({ bytes: file.bytes, other: other.bytes, sites: file.sites }, seed);
  return { index, seed, target, source: file.name, ops, bytes };
}
