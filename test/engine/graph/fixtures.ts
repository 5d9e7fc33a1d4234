/**
 * Test helpers for the graph compiler: the parity fixtures (ONNX files exported by PyTorch with
 * fixtures/parity.py, built on demand), onnxruntime-node as the independent oracle, and NCHW<->NHWC conversion.
 */
import * as tf from '@tensorflow/tfjs-core';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readNpz } from '../../../src/engine/data/npz';

export const REPO = resolve(__dirname, '../../..');
export const PARITY_DIR = join(REPO, 'fixtures/build/parity');

export interface ParityFixture {
  name: string;
  file: string;
  io: string;
  arch: string;
  inputShape: [number, number, number];
  bnKept: boolean;
  opset: number;
  ops: string[];
}

/** The parity manifest, building the fixtures with the system Python (torch + onnx) if they are missing. */
export function parityFixtures(): ParityFixture[] {
  const manifest = join(PARITY_DIR, 'manifest.json');
  if (!existsSync(manifest)) {
    const r = spawnSync('/usr/bin/python3', ['fixtures/parity.py'], { cwd: REPO, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('fixtures/parity.py failed');
  }
  const list = JSON.parse(readFileSync(manifest, 'utf8')) as ParityFixture[];
  return list.map((f) => ({ ...f, file: join(PARITY_DIR, f.file), io: join(PARITY_DIR, f.io) }));
}

/** The fixture's sample input, NCHW float32, and the output PyTorch computed for it. */
export async function fixtureIo(f: ParityFixture): Promise<{ x: Float32Array; dims: number[]; y: Float32Array }> {
  const npz = await readNpz(f.io);
  const x = npz.arrays.get('x')!;
  const y = npz.arrays.get('y')!;
  return { x: Float32Array.from(x.data as ArrayLike<number>), dims: x.shape, y: Float32Array.from(y.data as ArrayLike<number>) };
}

interface OrtTensor { data: Float32Array; dims: readonly number[] }
interface OrtSession { inputNames: readonly string[]; outputNames: readonly string[]; run(feeds: Record<string, unknown>): Promise<Record<string, OrtTensor>> }
interface Ort { InferenceSession: { create(pathOrBytes: string | Uint8Array): Promise<OrtSession> }; Tensor: new (type: 'float32', data: Float32Array, dims: number[]) => unknown }

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const ort: Ort = require('onnxruntime-node');

/** Runs a model (path or bytes) in onnxruntime on an NCHW batch; returns the first output. */
export async function runOrt(model: string | Uint8Array, x: Float32Array, dims: number[]): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(model);
  const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', x, dims) });
  return out[session.outputNames[0]].data;
}

export function nchwToNhwc(x: Float32Array, dims: number[]): tf.Tensor4D {
  return tf.tidy(() => tf.transpose(tf.tensor4d(x, dims as [number, number, number, number]), [0, 2, 3, 1]));
}

/**
 * max |a-b| / max |ref|: the relative error the parity tests bound. `floor` bounds the denominator from below for
 * references that are ~0 by construction (e.g. the gradient of a conv bias feeding a train-mode BatchNorm).
 */
export function relativeError(actual: ArrayLike<number>, ref: ArrayLike<number>, floor = 1e-12): number {
  if (actual.length !== ref.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < ref.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i] - ref[i]));
    scale = Math.max(scale, Math.abs(ref[i]));
  }
  return diff / Math.max(scale, floor);
}
