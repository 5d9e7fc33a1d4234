/**
 * The engine's WebAssembly SIMD kernels (kernels.wat) on tfjs-backend-wasm: instantiated on the backend's own
 * memory, so they read and write tensors in place, and wrapped as tensor functions. Each returns null where it
 * cannot run (another backend, a channel count it does not take, a non-float tensor, or switched off), and the
 * caller then uses its composite tfjs ops, which compute the same values.
 * Why: tfjs runs elementwise kernels on one thread, one pass per op, and a training step of a small CNN was mostly
 * such passes (BatchNorm's forward is 6 of them, its backward 7, a max-pool gradient 9); these do each chain in one.
 * The convolution and its filter gradient are the heaviest work of a step; they run on this thread and on helper
 * threads (helper-threads.ts) on the same memory, as many as XNNPACK's pool has.
 */
import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { HelperThreads } from './helper-threads';
import { KERNELS_PLAIN_MEMORY, KERNELS_SHARED_MEMORY } from './kernels-wasm';

interface Exports {
  zero(p: number, bytes: number): void;
  channelSums(a: number, b: number, rows: number, c: number, accA: number, accAB: number, sumA: number, sumAB: number): void;
  centerAndSquares(x: number, mean: number, rows: number, c: number, xc: number, acc: number, sumSq: number): void;
  channelAffine(a: number, ka: number, b: number, kb: number, k: number, rows: number, c: number, out: number): void;
  bnRelu(x: number, mean: number, scale: number, shift: number, rows: number, c: number, out: number): void;
  bnReluGradSums(dy: number, x: number, mean: number, scale: number, shift: number, rows: number, c: number, accA: number, accB: number, sumDz: number, sumDzXc: number): void;
  bnReluGradInput(dy: number, x: number, mean: number, scale: number, shift: number, k: number, kxc: number, rows: number, c: number, out: number): void;
  relu(x: number, bytes: number, out: number): void;
  reluGrad(dy: number, y: number, bytes: number, out: number): void;
  maxPoolGrad(x: number, y: number, dy: number, n: number, h: number, w: number, c: number, kh: number, kw: number, out: number): void;
  swapOuter(src: number, a: number, b: number, rowBytes: number, dst: number): void;
  swapEnds(src: number, a: number, b: number, c: number, dst: number): void;
  convFilterGrad(x: number, dy: number, n: number, h: number, w: number, ci: number, ho: number, wo: number, co: number,
    kh: number, kw: number, sh: number, sw: number, pt: number, pl: number, nb: number, band: number, out: number, next: number): void;
  convForward(x: number, f: number, bias: number, n: number, h: number, w: number, ci: number, ho: number, wo: number, co: number,
    kh: number, kw: number, sh: number, sw: number, pt: number, pl: number, zero: number, ind: number, chunk: number, next: number, out: number): void;
}

/** What these kernels need of tfjs-backend-wasm's BackendWasm (not part of its typed API). */
interface WasmBackend {
  wasm: { _malloc(bytes: number): number; _free(p: number): void; wasmMemory?: WebAssembly.Memory; asm?: { memory?: WebAssembly.Memory } };
  dataIdMap: { get(id: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

let enabled = process.env.RNP_SIMD_KERNELS !== '0';
let helpersOn = process.env.RNP_KERNEL_HELPERS !== '0';
let instance: { backend: WasmBackend; k: Exports; helpers: HelperThreads | null } | null = null;

/** Switches the kernels on or off (tests and benchmarks compare both paths). */
export function setSimdKernels(on: boolean): void {
  enabled = on;
}

/** Whether the convolution kernels may use helper threads (tests and benchmarks compare both). */
export function setKernelHelpers(on: boolean): void {
  helpersOn = on;
}

function kernels(): { backend: WasmBackend; k: Exports; helpers: HelperThreads | null } | null {
  if (!enabled || tf.getBackend() !== 'wasm') return null;
  const backend = tf.backend() as unknown as WasmBackend;
  if (instance?.backend === backend) return instance;
  const memory = backend.wasm.wasmMemory ?? backend.wasm.asm?.memory;
  if (!memory) return null;
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  const bytes = Buffer.from(shared ? KERNELS_SHARED_MEMORY : KERNELS_PLAIN_MEMORY, 'base64');
  const module = new WebAssembly.Module(bytes);
  const inst = new WebAssembly.Instance(module, { env: { memory } });
  instance?.helpers?.close();
  // As many threads as XNNPACK's pool: the caller and threads − 1 helpers (threads need the shared memory).
  const threads = shared ? getThreadsCount() : 1;
  const helpers = threads > 1 ? new HelperThreads(memory, module, ['convFilterGrad', 'convForward'], threads - 1) : null;
  instance = { backend, k: inst.exports as unknown as Exports, helpers };
  return instance;
}

function ptr(backend: WasmBackend, t: tf.TensorInfo): number {
  const d = backend.dataIdMap.get(t.dataId);
  if (!d) throw new Error('tensor not on the wasm backend');
  return d.memoryOffset;
}

function output(backend: WasmBackend, shape: number[]): { t: tf.Tensor; p: number } {
  const info = backend.makeOutput(shape, 'float32');
  return { t: tf.engine().makeTensorFromTensorInfo(info), p: ptr(backend, info) };
}

/** Scratch bytes for the duration of `fn`. */
function withScratch<T>(backend: WasmBackend, bytes: number, fn: (p: number) => T): T {
  const p = backend.wasm._malloc(bytes) >>> 0;
  try {
    return fn(p);
  } finally {
    backend.wasm._free(p);
  }
}

type Kernels = NonNullable<ReturnType<typeof kernels>>;

/**
 * Convolutions smaller than this stay on one thread: handing a part to a helper and waiting for it costs tens of
 * microseconds, more than it saves on small work (Neural Cleanse's batches of 16, for instance); ~0.4 ms here.
 */
const SPLIT_MIN_FLOPS = 16e6;

/**
 * Threads for one convolution kernel call (a batch of n, ho×wo outputs, kh×kw taps, ci → co channels) whose work comes
 * in `parts` pieces: one below SPLIT_MIN_FLOPS or with the helpers off, else every ready thread, at most `parts`.
 */
function convThreads(ks: Kernels, n: number, ho: number, wo: number, kh: number, kw: number, ci: number, co: number, parts: number): number {
  const flops = 2 * n * ho * wo * kh * kw * ci * co;
  return helpersOn && ks.helpers && flops >= SPLIT_MIN_FLOPS ? Math.min(ks.helpers.ready, parts) : 1;
}

/** Runs export `name` once per argument list: the first here, the others on helper threads, all at once. */
function runParts(ks: Kernels, name: keyof Exports, argLists: number[][]): void {
  const call = (args: number[]) => (ks.k[name] as (...a: number[]) => void)(...args);
  if (argLists.length === 1) call(argLists[0]);
  else ks.helpers!.run(argLists.map((args) => ({ name, args })), (p) => call(p.args));
}

const channelsOf = (t: tf.Tensor) => t.shape[t.rank - 1];
const usable = (...ts: tf.Tensor[]) => ts.every((t) => t.dtype === 'float32') && channelsOf(ts[0]) % 4 === 0 && ts[0].size > 0;

/** Per-channel Σa, and Σa·b when b (same shape) is given, over every axis but the last. */
export function simdChannelSums(a: tf.Tensor, b?: tf.Tensor): [tf.Tensor1D, tf.Tensor1D | null] | null {
  const ks = usable(a, ...(b ? [b] : [])) ? kernels() : null;
  if (!ks) return null;
  const { backend, k } = ks;
  const c = channelsOf(a);
  const sumA = output(backend, [c]);
  const sumAB = b ? output(backend, [c]) : null;
  withScratch(backend, 16 * c, (scratch) =>
    k.channelSums(ptr(backend, a), b ? ptr(backend, b) : 0, a.size / c, c, scratch, scratch + 8 * c, sumA.p, sumAB ? sumAB.p : 0),
  );
  return [sumA.t as tf.Tensor1D, (sumAB?.t as tf.Tensor1D) ?? null];
}

/** The per-channel Σ(x − mean)², and x − mean itself when `keepCentered`. */
function centerAndSquares<T extends tf.Tensor>(x: T, mean: tf.Tensor1D, keepCentered: boolean): { centered: T | null; sumSq: tf.Tensor1D } | null {
  const ks = usable(x, mean) ? kernels() : null;
  if (!ks) return null;
  const { backend, k } = ks;
  const c = channelsOf(x);
  const xc = keepCentered ? output(backend, x.shape) : null;
  const sumSq = output(backend, [c]);
  withScratch(backend, 8 * c, (scratch) => k.centerAndSquares(ptr(backend, x), ptr(backend, mean), x.size / c, c, xc ? xc.p : 0, scratch, sumSq.p));
  return { centered: xc ? (xc.t as T) : null, sumSq: sumSq.t as tf.Tensor1D };
}

/** x − mean (per channel) and the per-channel Σ(x − mean)². */
export function simdCenterAndSquares<T extends tf.Tensor>(x: T, mean: tf.Tensor1D): { centered: T; sumSq: tf.Tensor1D } | null {
  const r = centerAndSquares(x, mean, true);
  return r && { centered: r.centered!, sumSq: r.sumSq };
}

/** The per-channel Σ(x − mean)² alone (x − mean is not kept). */
export function simdSquaresAbout(x: tf.Tensor, mean: tf.Tensor1D): tf.Tensor1D | null {
  return centerAndSquares(x, mean, false)?.sumSq ?? null;
}

/** Whether the fused BatchNorm + ReLU kernels below run for x (the caller then uses all three). */
export function simdBnReluUsable(x: tf.Tensor): boolean {
  return usable(x) && kernels() !== null;
}

/** max((x − mean)·scale + shift, 0), per-channel [C] mean, scale and shift. */
export function simdBnRelu<T extends tf.Tensor>(x: T, mean: tf.Tensor1D, scale: tf.Tensor1D, shift: tf.Tensor1D): T | null {
  const ks = usable(x, mean, scale, shift) ? kernels() : null;
  if (!ks) return null;
  const { backend, k } = ks;
  const c = channelsOf(x);
  const out = output(backend, x.shape);
  k.bnRelu(ptr(backend, x), ptr(backend, mean), ptr(backend, scale), ptr(backend, shift), x.size / c, c, out.p);
  return out.t as T;
}

/**
 * For y = simdBnRelu(x, mean, scale, shift) and its gradient dy, with dz = dy where y > 0: the per-channel Σdz and
 * Σdz·(x − mean).
 */
export function simdBnReluGradSums(dy: tf.Tensor, x: tf.Tensor, mean: tf.Tensor1D, scale: tf.Tensor1D, shift: tf.Tensor1D): [tf.Tensor1D, tf.Tensor1D] | null {
  const ks = usable(dy, x, mean, scale, shift) ? kernels() : null;
  if (!ks) return null;
  const { backend, k } = ks;
  const c = channelsOf(x);
  const sumDz = output(backend, [c]);
  const sumDzXc = output(backend, [c]);
  withScratch(backend, 16 * c, (scratch) =>
    k.bnReluGradSums(ptr(backend, dy), ptr(backend, x), ptr(backend, mean), ptr(backend, scale), ptr(backend, shift), x.size / c, c, scratch, scratch + 8 * c, sumDz.p, sumDzXc.p),
  );
  return [sumDz.t as tf.Tensor1D, sumDzXc.t as tf.Tensor1D];
}

/** (dz·scale + k) + (x − mean)·kxc, dz as in simdBnReluGradSums. */
export function simdBnReluGradInput<T extends tf.Tensor>(dy: T, x: tf.Tensor, mean: tf.Tensor1D, scale: tf.Tensor1D, shift: tf.Tensor1D, k3: tf.Tensor1D, kxc: tf.Tensor1D): T | null {
  const ks = usable(dy, x, mean, scale, shift, k3, kxc) ? kernels() : null;
  if (!ks) return null;
  const { backend, k } = ks;
  const c = channelsOf(x);
  const out = output(backend, x.shape);
  k.bnReluGradInput(ptr(backend, dy), ptr(backend, x), ptr(backend, mean), ptr(backend, scale), ptr(backend, shift), ptr(backend, k3), ptr(backend, kxc), x.size / c, c, out.p);
  return out.t as T;
}

/** a·ka + shift (+ b·kb), with per-channel [C] ka, shift and kb. */
export function simdChannelAffine<T extends tf.Tensor>(a: T, ka: tf.Tensor1D, shift: tf.Tensor1D, b?: tf.Tensor, kb?: tf.Tensor1D): T | null {
  const ks = usable(a, ka, shift, ...(b && kb ? [b, kb] : [])) ? kernels() : null;
  if (!ks) return null;
  const { backend, k } = ks;
  const c = channelsOf(a);
  const out = output(backend, a.shape);
  k.channelAffine(ptr(backend, a), ptr(backend, ka), b ? ptr(backend, b) : 0, kb ? ptr(backend, kb) : 0, ptr(backend, shift), a.size / c, c, out.p);
  return out.t as T;
}

/** max(x, 0). */
export function simdRelu<T extends tf.Tensor>(x: T): T | null {
  const ks = x.dtype === 'float32' && x.size % 4 === 0 && x.size > 0 ? kernels() : null;
  if (!ks) return null;
  const { backend, k } = ks;
  const out = output(backend, x.shape);
  k.relu(ptr(backend, x), 4 * x.size, out.p);
  return out.t as T;
}

/** dy where y > 0, else 0. */
export function simdReluGrad<T extends tf.Tensor>(dy: T, y: tf.Tensor): T | null {
  const ks = dy.dtype === 'float32' && y.dtype === 'float32' && dy.size % 4 === 0 && dy.size > 0 ? kernels() : null;
  if (!ks) return null;
  const { backend, k } = ks;
  const out = output(backend, dy.shape);
  k.reluGrad(ptr(backend, dy), ptr(backend, y), 4 * dy.size, out.p);
  return out.t as T;
}

/** The gradient of a kh×kw max pool with stride = window and no padding, x uncropped (see kernels.wat). */
export function simdMaxPoolGrad(x: tf.Tensor4D, y: tf.Tensor4D, dy: tf.Tensor4D, kh: number, kw: number): tf.Tensor4D | null {
  const ks = usable(x, y, dy) ? kernels() : null;
  if (!ks) return null;
  const { backend, k } = ks;
  const [n, h, w, c] = x.shape;
  const out = output(backend, x.shape);
  if (h % kh !== 0 || w % kw !== 0) k.zero(out.p, 4 * x.size);
  k.maxPoolGrad(ptr(backend, x), ptr(backend, y), ptr(backend, dy), n, h, w, c, kh, kw, out.p);
  return out.t as tf.Tensor4D;
}

/** float32 t seen as [a, b, r] → [b, a, r] (r = t.size / (a·b)), or null. */
export function simdSwapOuter(t: tf.Tensor, a: number, b: number): tf.Tensor3D | null {
  const r = t.size / (a * b);
  const ks = t.dtype === 'float32' && Number.isInteger(r) && t.size > 0 ? kernels() : null;
  if (!ks) return null;
  const { backend, k } = ks;
  const out = output(backend, [b, a, r]);
  k.swapOuter(ptr(backend, t), a, b, 4 * r, out.p);
  return out.t as tf.Tensor3D;
}

/** float32 t seen as [a, b, c] → [c, b, a], or null (also when a or c is not a multiple of 4). */
export function simdSwapEnds(t: tf.Tensor, a: number, b: number, c: number): tf.Tensor3D | null {
  const ks = t.dtype === 'float32' && a * b * c === t.size && a % 4 === 0 && c % 4 === 0 && t.size > 0 ? kernels() : null;
  if (!ks) return null;
  const { backend, k } = ks;
  const out = output(backend, [c, b, a]);
  k.swapEnds(ptr(backend, t), a, b, c, out.p);
  return out.t as tf.Tensor3D;
}

/** A [kh, kw, ci, co] filter rotated 180° with in/out channels swapped, [kh, kw, co, ci] (ci, co multiples of 4), or null. */
export function simdRotatedSwapped(w: tf.Tensor4D): tf.Tensor4D | null {
  const [kh, kw, ci, co] = w.shape;
  const ks = w.dtype === 'float32' && ci % 4 === 0 && co % 4 === 0 && w.size > 0 ? kernels() : null;
  if (!ks) return null;
  const { backend, k } = ks;
  const taps = kh * kw;
  const out = output(backend, [kh, kw, co, ci]);
  const src = ptr(backend, w);
  // Tap t's [ci, co] block, transposed, becomes tap (taps − 1 − t)'s [co, ci] block.
  for (let t = 0; t < taps; t++) k.swapEnds(src + 4 * t * ci * co, ci, 1, co, out.p + 4 * (taps - 1 - t) * ci * co);
  return out.t as tf.Tensor4D;
}

/** Threads the convolution kernels can use now: this one and every helper that has started (1 off the threaded build). */
export function simdKernelThreads(): number {
  const ks = kernels();
  return ks?.helpers && helpersOn ? ks.helpers.ready : 1;
}

/** Kernel parts that helper threads have run in this process (0 off the threaded build). */
export function simdHelperParts(): number {
  return kernels()?.helpers?.partsHanded ?? 0;
}

/**
 * dL/dw of a dense convolution (see convFilterGrad in kernels.wat), ci a multiple of 4 and co of 8, or null. This
 * thread and the helpers take output-channel groups in turn; the values do not depend on how many threads ran.
 */
export function simdConvFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, kh: number, kw: number, strides: [number, number], pads: [number, number, number, number]): tf.Tensor4D | null {
  const [n, h, w, ci] = x.shape;
  const [, ho, wo, co] = dy.shape;
  const ks = x.dtype === 'float32' && dy.dtype === 'float32' && ci % 4 === 0 && co % 8 === 0 && x.size > 0 ? kernels() : null;
  if (!ks) return null;
  const { backend, k } = ks;
  const out = output(backend, [kh, kw, ci, co]);
  k.zero(out.p, 4 * kh * kw * ci * co);
  // A block of about 64 output positions per register tile: a band of rows of one sample, or whole small samples.
  const rows = Math.min(ho, Math.ceil(64 / wo));
  const nb = rows < ho ? 1 : Math.ceil(64 / (ho * wo));
  const threads = convThreads(ks, n, ho, wo, kh, kw, ci, co, co / 8);
  withScratch(backend, 16, (next) => {
    k.zero(next, 16);
    const args = [ptr(backend, x), ptr(backend, dy), n, h, w, ci, ho, wo, co, kh, kw, strides[0], strides[1], pads[0], pads[2], nb, rows, out.p, threads > 1 ? next : 0];
    runParts(ks, 'convFilterGrad', Array.from({ length: threads }, () => args));
  });
  return out.t as tf.Tensor4D;
}

/**
 * A dense convolution (see convForward in kernels.wat): x NHWC with ci a multiple of 4, filter [kh, kw, ci, co] with
 * co a multiple of 8, explicit pads, optional bias; or null. Output positions are shared between this thread and the
 * helpers.
 */
export function simdConv2d(x: tf.Tensor4D, f: tf.Tensor4D, strides: [number, number], pads: [number, number, number, number], bias?: tf.Tensor1D): tf.Tensor4D | null {
  const [n, h, w, ci] = x.shape;
  const [kh, kw, , co] = f.shape;
  const ho = Math.floor((h + pads[0] + pads[1] - kh) / strides[0]) + 1;
  const wo = Math.floor((w + pads[2] + pads[3] - kw) / strides[1]) + 1;
  const ok = [x, f, ...(bias ? [bias] : [])].every((t) => t.dtype === 'float32') && co % 8 === 0 && ci % 4 === 0 && f.shape[2] === ci && ho > 0 && wo > 0 && x.size > 0;
  const ks = ok ? kernels() : null;
  if (!ks) return null;
  const { backend, k } = ks;
  const out = output(backend, [n, ho, wo, co]);
  const tiles = Math.ceil((n * ho * wo) / 4);
  const threads = convThreads(ks, n, ho, wo, kh, kw, ci, co, tiles);
  // Blocks of tiles taken in turn: small enough to balance, big enough that the counter is not contended.
  const chunk = Math.max(1, Math.min(32, Math.ceil(tiles / (16 * threads))));
  // The filter packed as [co/8, kh·kw·ci, 8]: a tile's 8 output channels read one contiguous run.
  const packed = output(backend, [co / 8, kh * kw * ci, 8]);
  k.swapOuter(ptr(backend, f), kh * kw * ci, co / 8, 32, packed.p);
  const indBytes = 16 * kh * kw;
  withScratch(backend, 4 * ci + 16 + threads * indBytes, (scratch) => {
    const next = scratch + 4 * ci; // ci zeros (the padding), the tile counter, then each thread's pointer list
    k.zero(scratch, 4 * ci + 16);
    runParts(ks, 'convForward', Array.from({ length: threads }, (_, t) =>
      [ptr(backend, x), packed.p, bias ? ptr(backend, bias) : 0, n, h, w, ci, ho, wo, co, kh, kw, strides[0], strides[1], pads[0], pads[2], scratch, next + 16 + t * indBytes, chunk, threads > 1 ? next : 0, out.p]));
  });
  packed.t.dispose();
  return out.t as tf.Tensor4D;
}
