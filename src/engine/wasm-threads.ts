/**
 * Multi-threaded WebAssembly in Node. tfjs-backend-wasm ships a threaded SIMD build (XNNPACK over a pthread pool of
 * worker_threads) but never uses it in Node (tfjs #3830): its feature flag answers "no" there, its pthread workers are
 * created from blob: URLs that Node's Worker cannot load, and the worker is handed the main script as a Blob that
 * Node's importScripts shim cannot read. This module makes those three things work, without patching node_modules:
 * - the flag is set to true;
 * - a global `Worker` stands in for Node's: a blob: URL becomes a worker that runs the package's own pthread worker
 *   code (`wasm-out/*.worker.js`) and, on its "load" message, reads the main script from the package's own file
 *   (`wasm-out/*-threaded-simd.js`) instead of the Blob;
 * - the C side sizes its pool from the logical core count halved (assuming hyper-threads), so while the backend
 *   starts, `os.cpus()` reports twice the requested thread count.
 * Everything here is the package's own code and binaries; nothing is fetched.
 */
import { Worker as NodeWorker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const THREADED_MAIN = 'tfjs-backend-wasm-threaded-simd.js';
export const THREADED_WORKER = 'tfjs-backend-wasm-threaded-simd.worker.js';

// Runs in each pthread worker (eval'd, CommonJS scope). The package's worker code uses `require` and `__filename`
// as globals once importScripts has eval'd the main script, and its text has literal "\n" escapes to keep.
const BOOT = `
const { workerData } = require('worker_threads');
globalThis.require = require;
globalThis.__filename = workerData.mainJs;
(0, eval)(require(workerData.workerJs).wasmWorkerContents.replace(/\\n/g, "\\\\n"));
const onLoad = self.onmessage;
self.onmessage = (e) => {
  if (e.data && e.data.cmd === 'load') e.data.urlOrBlob = workerData.mainJs;
  onLoad(e);
};
`;

/** Where the threaded build's two scripts are: next to the bundle (dist/), or in the installed package. */
export function findThreadedScripts(wasmDir: string): { mainJs: string; workerJs: string } | null {
  for (const dir of [wasmDir, join(wasmDir, '..', 'wasm-out')]) {
    const mainJs = join(dir, THREADED_MAIN);
    const workerJs = join(dir, THREADED_WORKER);
    if (existsSync(mainJs) && existsSync(workerJs)) return { mainJs, workerJs };
  }
  return null;
}

let installed = false;
/** Pool workers created while the backend starts: they keep the event loop alive until it has started. */
const starting = new Set<NodeWorker>();
let released = false;

/** Installs the global Worker stand-in (once per process). */
export function installPthreadWorker(scripts: { mainJs: string; workerJs: string }): void {
  if (installed) return;
  installed = true;
  class PthreadWorker extends NodeWorker {
    constructor(url: string | URL) {
      if (typeof url === 'string' && url.startsWith('blob:')) super(BOOT, { eval: true, workerData: scripts });
      else super(url);
      if (released) this.unref();
      else starting.add(this);
    }

    /** The glue refs a worker while its pthread runs; XNNPACK's pool threads run for the life of the process, so
     * that would keep a finished CLI run (or test) from exiting. The main thread always waits for their work. */
    override ref(): void {
      // Deliberately a no-op (see releasePthreadWorkers for when they stop holding the process).
    }
  }
  // The Emscripten glue assigns Node's Worker to the global when it loads; the setter keeps this one.
  Object.defineProperty(globalThis, 'Worker', { configurable: true, get: () => PthreadWorker, set: () => undefined });
}

/**
 * Once the backend has started: the pool's workers stop holding the process open (while it starts they must, or a
 * process with nothing else pending could exit while waiting for them to load).
 */
export function releasePthreadWorkers(): void {
  released = true;
  for (const w of starting) w.unref();
  starting.clear();
}

/** Runs `start` with os.cpus() reporting 2 × threads entries (the C side takes half the logical cores). */
export async function withReportedCores<T>(threads: number, start: () => Promise<T>): Promise<T> {
  // The module object itself (an ES namespace import would be a frozen copy): the glue reads require('os').cpus.
  const mutable: { cpus: typeof import('node:os').cpus } = require('node:os');
  const real = mutable.cpus;
  mutable.cpus = () => {
    const cpus = real();
    return Array.from({ length: 2 * threads }, (_, i) => cpus[i % cpus.length]);
  };
  try {
    return await start();
  } finally {
    mutable.cpus = real;
  }
}
