/**
 * Helper threads for the engine's own WebAssembly kernels. tfjs runs its ops on XNNPACK's thread pool, but the
 * engine's kernels run on the calling thread, and the heaviest of them (convolutions and their filter gradients) are
 * worth splitting. Each helper is a worker_thread with its own instance of the same kernel module on the backend's
 * shared memory, so it reads and writes tensors in place. A job is handed over in a small SharedArrayBuffer with
 * Atomics: the caller runs its own part, then blocks until every helper's part is done (the kernels stay synchronous,
 * as tfjs's are). A helper that has not started yet (they start in the background) gives its part back to the caller.
 * A kernel that traps in a helper (a wasm RuntimeError) fails the job with an error; a helper that runs out of memory
 * takes the process down like any V8 out-of-memory, which the extension reports as a crashed worker.
 * Why not XNNPACK's own pool: tfjs-backend-wasm does not expose it.
 */
import { Worker } from 'node:worker_threads';

/** Control word states (slot 0 of each helper's Int32Array). */
const STARTING = -1;
const IDLE = 0;
const JOB = 1;
const DONE = 2;
const FAILED = 3;
const STOP = 4;
const MAX_ARGS = 30;

// The helper's whole program (eval'd, CommonJS scope): instantiate the kernels on the shared memory, then serve
// jobs until told to stop. Slot 1 holds the export's index in `names`, slot 2 the argument count, 3.. the arguments.
const HELPER = `
const { workerData } = require('node:worker_threads');
const { memory, module, control, names } = workerData;
const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
const c = new Int32Array(control);
Atomics.store(c, 0, ${IDLE});
Atomics.notify(c, 0);
for (;;) {
  let state = Atomics.load(c, 0);
  // Asleep while idle, and while the caller has not yet taken the last result.
  while (state !== ${JOB} && state !== ${STOP}) {
    Atomics.wait(c, 0, state);
    state = Atomics.load(c, 0);
  }
  if (state === ${STOP}) break;
  try {
    exports[names[c[1]]](...Array.from(c.subarray(3, 3 + c[2])));
    Atomics.store(c, 0, ${DONE});
  } catch (e) {
    Atomics.store(c, 0, ${FAILED});
  }
  Atomics.notify(c, 0);
}
`;

interface Helper {
  worker: Worker;
  control: Int32Array;
  lost: boolean;
}

/** One part of a job: an export's name and its (i32) arguments. */
export interface Part {
  name: string;
  args: number[];
}

export class HelperThreads {
  private readonly helpers: Helper[] = [];
  /** Parts run by helpers so far (tests check that the helpers really took part). */
  partsHanded = 0;

  /** `count` helpers on `memory` (shared), each instantiating `module` with it as env.memory. */
  constructor(memory: WebAssembly.Memory, module: WebAssembly.Module, private readonly names: string[], count: number) {
    for (let i = 0; i < count; i++) {
      const control = new Int32Array(new SharedArrayBuffer(4 * (3 + MAX_ARGS)));
      control[0] = STARTING;
      const worker = new Worker(HELPER, { eval: true, workerData: { memory, module, control: control.buffer, names } });
      const helper: Helper = { worker, control, lost: false };
      // Only seen while the caller is not blocked in run(); a lost helper is never handed a part again.
      worker.on('error', () => (helper.lost = true));
      worker.on('exit', () => (helper.lost = true));
      worker.unref(); // idle helpers must not keep a finished run (or a test) alive
      this.helpers.push(helper);
    }
  }

  /** How many threads a job can use now: the caller plus every helper that has started. */
  get ready(): number {
    return 1 + this.helpers.filter((h) => !h.lost && Atomics.load(h.control, 0) === IDLE).length;
  }

  /**
   * Runs parts[0] here and the others on ready helpers (in parallel); a part with no ready helper runs here too.
   * `local` runs a part on this thread. Returns once every part is done; throws if a helper's part failed.
   */
  run(parts: Part[], local: (p: Part) => void): void {
    const handed: [Helper, Part][] = [];
    const mine: Part[] = [parts[0]];
    const free = this.helpers.filter((h) => !h.lost && Atomics.load(h.control, 0) === IDLE);
    for (const p of parts.slice(1)) {
      const h = free.shift();
      if (!h || p.args.length > MAX_ARGS) {
        mine.push(p);
        continue;
      }
      h.control[1] = this.names.indexOf(p.name);
      h.control[2] = p.args.length;
      h.control.set(p.args, 3);
      Atomics.store(h.control, 0, JOB);
      Atomics.notify(h.control, 0);
      handed.push([h, p]);
      this.partsHanded++;
    }
    let failure: unknown = null;
    try {
      for (const p of mine) local(p);
    } catch (e) {
      failure = e;
    }
    for (const [h, p] of handed) {
      while (Atomics.load(h.control, 0) === JOB) Atomics.wait(h.control, 0, JOB);
      if (Atomics.load(h.control, 0) === FAILED) failure ??= new Error(`the engine's wasm kernel ${p.name} failed on a helper thread`);
      Atomics.store(h.control, 0, IDLE);
    }
    if (failure) throw failure;
  }

  /** Stops every helper. */
  close(): void {
    for (const h of this.helpers) {
      Atomics.store(h.control, 0, STOP);
      Atomics.notify(h.control, 0);
    }
  }
}
