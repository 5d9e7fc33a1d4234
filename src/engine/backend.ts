/**
 * Picks and initialises the tfjs backend. 'auto' prefers native TensorFlow (tfjs-node-gpu, then tfjs-node: optional
 * packages, loaded only if installed), then WebGPU on a hardware adapter (the optional `webgpu` package, webgpu.ts; a
 * software adapter such as llvmpipe is slower than wasm, see docs/benchmarks.md, so auto passes it by), then
 * WebAssembly (binaries loaded from disk, never the network), then plain JS ('cpu').
 * WebAssembly runs multi-threaded (XNNPACK's pool over worker_threads, see wasm-threads.ts) unless one thread is asked
 * for or the threaded build cannot start; the thread count is fixed once per process, when wasm first initialises.
 * An explicit choice that cannot run is an OPTION_INVALID InputError.
 */
import * as tf from '@tensorflow/tfjs-core';
// A named import, not a bare one: the package's sideEffects list omits its node entry, so bundlers drop a bare
// import and the 'cpu' backend would never register.
import { version_cpu } from '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths, setThreadsCount, getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { findThreadedScripts, installPthreadWorker, releasePthreadWorkers, withReportedCores } from './wasm-threads';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { InputError } from './errors';
import type { BackendChoice } from './options';
import type { BackendInfo, BackendName } from './result';
import { adapterText, startWebgpu } from './webgpu';

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

/** Threads for wasm: `requested`, or with 0 every logical core up to 8 (XNNPACK gains little past that here). */
export function wasmThreadCount(requested: number): number {
  return requested > 0 ? Math.floor(requested) : Math.max(1, Math.min(availableParallelism(), 8));
}

let wasmPathSet = false;
/** Why the threaded build was not used, once wasm has initialised single-threaded although threads were asked. */
let threadsFallback: string | null = null;

async function initWasm(threads: number): Promise<boolean> {
  try {
    return await withReportedCores(threads, async () => {
      if (!(await tf.setBackend('wasm'))) return false;
      await tf.ready();
      return true;
    });
  } finally {
    releasePthreadWorkers();
  }
}

/** Starts wasm with `threads`; null once it runs, else why not. */
async function startWasm(threads: number): Promise<string | null> {
  try {
    return (await initWasm(threads)) ? null : 'the WebAssembly backend failed to initialise';
  } catch (e) {
    return `the WebAssembly backend failed to initialise (${(e as Error).message})`;
  }
}

/** Initialises wasm; a reason string when it cannot run. */
async function tryWasm(requestedThreads: number): Promise<string | null> {
  const dir = findWasmDir();
  if (!dir) return `${WASM_FILE} not found next to the program or in node_modules`;
  const threads = wasmThreadCount(requestedThreads);
  let threaded = false;
  if (!wasmPathSet) {
    setWasmPaths(dir.endsWith('/') ? dir : `${dir}/`);
    const scripts = threads > 1 ? findThreadedScripts(dir) : null;
    if (threads > 1 && !scripts) threadsFallback = `the threaded build's scripts are not next to ${WASM_FILE}`;
    if (scripts) {
      installPthreadWorker(scripts);
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
      setThreadsCount(threads);
      threaded = true;
    }
    wasmPathSet = true;
  }
  const why = await startWasm(threads);
  if (!why || !threaded) return why;
  // The threaded build did not start: the single-threaded one needs neither workers nor shared memory.
  threadsFallback = `threads failed to start: ${why}`;
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  return startWasm(1);
}

/** "WebAssembly SIMD, 2 threads" (and why not more, when threads were asked for but not used). */
function wasmDescription(): string {
  const n = getThreadsCount();
  return `WebAssembly SIMD, ${n} thread${n === 1 ? '' : 's'}${n === 1 && threadsFallback ? ` (${threadsFallback})` : ''}`;
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

/** WebGPU's info, or why it cannot run. */
async function tryWebgpu(hardwareOnly: boolean): Promise<BackendInfo | string> {
  try {
    const adapter = await startWebgpu(hardwareOnly);
    return { name: 'webgpu', reason: `WebGPU on ${adapterText(adapter)}`, adapter };
  } catch (e) {
    return `WebGPU not available: ${(e as Error).message}`;
  }
}

async function useCpu(): Promise<void> {
  if (!(await tf.setBackend('cpu'))) throw new Error(`tfjs-backend-cpu ${version_cpu} did not register`);
  await tf.ready();
}

/** `threads`: wasm's thread count (0 = every core); the first wasm initialisation in a process fixes it. */
export async function selectBackend(choice: BackendChoice, threads = 0): Promise<BackendInfo> {
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
    case 'webgpu': {
      const r = await tryWebgpu(false);
      if (typeof r === 'string') throw fail(r);
      return { ...r, reason: `requested; ${r.reason}` };
    }
    case 'wasm': {
      const why = await tryWasm(threads);
      if (why) throw fail(why);
      return info('wasm', `requested; ${wasmDescription()} loaded from disk`);
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
      const gpu = await tryWebgpu(true);
      if (typeof gpu !== 'string') return { ...gpu, reason: `${reasons.join('; ')}; ${gpu.reason}` };
      reasons.push(gpu);
      const wasmWhy = await tryWasm(threads);
      if (!wasmWhy) return info('wasm', `${reasons.join('; ')}; using ${wasmDescription()}`);
      reasons.push(wasmWhy);
      await useCpu();
      return info('cpu', `${reasons.join('; ')}; using plain JavaScript`);
    }
    default:
      throw new InputError('OPTION_INVALID', null, `unknown backend "${String(choice)}" (use auto, tensorflow, webgpu, wasm or cpu)`);
  }
}
