/**
 * Picks and initialises the tfjs backend. 'auto' prefers native TensorFlow (tfjs-node-gpu, then tfjs-node: optional
 * packages, loaded only if installed), then WebGPU (not available in this build: the `webgpu` package is not
 * shipped), then WebAssembly (binaries loaded from disk, never the network), then plain JS ('cpu').
 * An explicit choice that cannot run is an OPTION_INVALID InputError.
 */
import * as tf from '@tensorflow/tfjs-core';
// A named import, not a bare one: the package's sideEffects list omits its node entry, so bundlers drop a bare
// import and the 'cpu' backend would never register.
import { version_cpu } from '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { InputError } from './errors';
import type { BackendChoice } from './options';
import type { BackendInfo, BackendName } from './result';

const WASM_FILE = 'tfjs-backend-wasm-simd.wasm';

/** Where the .wasm binaries are: next to the bundle (dist/), or in the installed package (tests, tsx). */
export function findWasmDir(): string | null {
  const candidates = [__dirname];
  try {
    candidates.push(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')));
  } catch {
    // Not resolvable from a bundle: the copy next to it is the one to use.
  }
  return candidates.find((d) => existsSync(join(d, WASM_FILE))) ?? null;
}

let wasmPathSet = false;

async function tryWasm(): Promise<string | null> {
  const dir = findWasmDir();
  if (!dir) return `${WASM_FILE} not found next to the program or in node_modules`;
  if (!wasmPathSet) {
    setWasmPaths(dir.endsWith('/') ? dir : `${dir}/`);
    wasmPathSet = true;
  }
  try {
    if (!(await tf.setBackend('wasm'))) return 'the WebAssembly backend failed to initialise';
    await tf.ready();
    return null;
  } catch (e) {
    return `the WebAssembly backend failed to initialise (${(e as Error).message})`;
  }
}

/** Loads a native tfjs-node package (registers backend 'tensorflow'); the reason it failed otherwise. */
async function tryNative(pkg: '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node'): Promise<string | null> {
  try {
    if (pkg === '@tensorflow/tfjs-node-gpu') require('@tensorflow/tfjs-node-gpu');
    else require('@tensorflow/tfjs-node');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'MODULE_NOT_FOUND' ? `${pkg} not installed` : `${pkg} failed to load (${(e as Error).message.split('\n')[0]})`;
  }
  try {
    if (!(await tf.setBackend('tensorflow'))) return `${pkg} loaded but its backend did not initialise`;
    await tf.ready();
    return null;
  } catch (e) {
    return `${pkg} backend failed (${(e as Error).message})`;
  }
}

const WEBGPU_REASON = 'WebGPU not available (the webgpu package for Node is not part of this build)';

async function useCpu(): Promise<void> {
  if (!(await tf.setBackend('cpu'))) throw new Error(`tfjs-backend-cpu ${version_cpu} did not register`);
  await tf.ready();
}

export async function selectBackend(choice: BackendChoice): Promise<BackendInfo> {
  const info = (name: BackendName, reason: string): BackendInfo => ({ name, reason });
  const fail = (why: string) => new InputError('OPTION_INVALID', null, `backend "${choice}" is not available: ${why}`);
  switch (choice) {
    case 'tensorflow': {
      const gpu = await tryNative('@tensorflow/tfjs-node-gpu');
      if (!gpu) return info('tensorflow', 'requested; @tensorflow/tfjs-node-gpu loaded');
      const cpu = await tryNative('@tensorflow/tfjs-node');
      if (!cpu) return info('tensorflow', `requested; @tensorflow/tfjs-node loaded (${gpu})`);
      throw fail(`${gpu}; ${cpu}`);
    }
    case 'webgpu':
      throw fail(WEBGPU_REASON);
    case 'wasm': {
      const why = await tryWasm();
      if (why) throw fail(why);
      return info('wasm', 'requested; WebAssembly SIMD loaded from disk');
    }
    case 'cpu':
      await useCpu();
      return info('cpu', 'requested');
    case 'auto': {
      const reasons: string[] = [];
      for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const) {
        const why = await tryNative(pkg);
        if (!why) return info('tensorflow', `${pkg} loaded (native TensorFlow)`);
        reasons.push(why);
      }
      reasons.push(WEBGPU_REASON);
      const wasmWhy = await tryWasm();
      if (!wasmWhy) return info('wasm', `${reasons.join('; ')}; using WebAssembly SIMD`);
      reasons.push(wasmWhy);
      await useCpu();
      return info('cpu', `${reasons.join('; ')}; using plain JavaScript`);
    }
    default:
      throw new InputError('OPTION_INVALID', null, `unknown backend "${String(choice)}" (use auto, tensorflow, webgpu, wasm or cpu)`);
  }
}
