/**
 * WebGPU in Node, through Dawn (the optional npm package `webgpu`, which ships `dawn.node` per platform), with
 * tfjs-backend-webgpu on top: find an adapter, open a device the shaders can run on, register the backend on it, and
 * prove that it computes before a scan trusts it.
 *
 * Why each step (measured on Node 20 with Mesa's llvmpipe, no GPU):
 * - Dawn's default backend on Linux is Vulkan; Mesa's software Vulkan (lavapipe) is refused by Dawn
 *   ("shaderUniform*ArrayDynamicIndexing required"), so an OpenGL ES adapter in compatibility mode is the fallback,
 *   and it needs `EGL_PLATFORM=surfaceless` when there is no display.
 * - tfjs-backend-webgpu reads `navigator.gpu`, which Node 20 lacks; its shaders use the adapter's workgroup sizes, and
 *   a device opened with the default limits runs them with no error and returns zeros. So the device asks for the
 *   adapter's own limits, and a known sum and product are checked on it: a backend that computes wrong is refused.
 * - Synchronous reads fail under WebGPU in Node (tfjs falls back to an OffscreenCanvas): the engine reads tensors
 *   with `await data()` only (graph/values.ts valuesNow names the node in the one place that cannot).
 */
import * as tf from '@tensorflow/tfjs-core';
import { existsSync, readdirSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { GpuAdapter } from './result';

/** The parts of the `webgpu` package's ESM entry used here (typed loosely: its types need the DOM's GPU lib). */
interface DawnGpu {
  requestAdapter(o?: Record<string, unknown>): Promise<DawnAdapter | null>;
}
interface DawnModule {
  create(flags: string[]): DawnGpu;
  globals: Record<string, unknown>;
}
interface DawnAdapter {
  info: { vendor: string; architecture: string; device: string; description: string; isFallbackAdapter?: boolean };
  limits: Record<string, number>;
  requestDevice(o?: Record<string, unknown>): Promise<DawnDevice>;
}
interface DawnDevice {
  lost: Promise<{ reason: string; message: string }>;
  onuncapturederror: ((e: { error: { message: string } }) => void) | null;
}

/** The limits the tfjs shaders depend on, asked for at the adapter's own values (the defaults are smaller). */
const LIMITS = [
  'maxComputeWorkgroupStorageSize',
  'maxComputeWorkgroupsPerDimension',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ',
  'maxComputeInvocationsPerWorkgroup',
  'maxStorageBufferBindingSize',
  'maxStorageBuffersPerShaderStage',
  'maxBufferSize',
] as const;

const SOFTWARE = /llvmpipe|lavapipe|softpipe|swiftshader|\bwarp\b|basic render/i;

// tsc compiles import() to require() under CommonJS, and require() cannot load the package's ES module in Node 20.
const importEsm = new Function('url', 'return import(url)') as (url: string) => Promise<unknown>;

let started: GpuAdapter | null = null;
/** The largest buffer one tensor may have on the device (the smaller of its buffer and storage-binding limits). */
let tensorLimit: number | null = null;

/**
 * The largest tensor, in bytes, the started device holds (null before a start). A bigger one is not an exception
 * but an asynchronous device error and a wrong number (a tensor over the limit summed to a stale 4099): the scan's
 * batch is fitted under it (train/batch-fit.ts).
 */
export function webgpuTensorLimitBytes(): number | null {
  return tensorLimit;
}
/** Why the device went away, once it did (a GPU reset, out of memory): the next scan says so instead of hanging. */
let lostReason: string | null = null;

export function webgpuLostReason(): string | null {
  return lostReason;
}

/**
 * The first error the GPU reported since the last call, cleared. WebGPU reports a failed allocation or an invalid
 * dispatch asynchronously and tfjs does not look: measured, a 2.8 GB tensor over the adapter's 2 GB buffer limit
 * gave a sum of 4099, an earlier buffer's value, and no exception. The scan checks after every stage.
 */
export function takeGpuError(): string | null {
  const first = gpuErrors[0] ?? null;
  gpuErrors = [];
  return first;
}
let gpuErrors: string[] = [];

async function loadDawn(): Promise<DawnModule> {
  let entry: string;
  try {
    entry = require.resolve('webgpu');
  } catch {
    throw new Error('the optional package "webgpu" is not installed (npm install webgpu; the per-platform VS Code build includes it)');
  }
  return (await importEsm(pathToFileURL(entry).href)) as DawnModule;
}

/**
 * Linux without a GPU device node has no GPU for Vulkan to find: skip the probe, which only prints the software
 * Vulkan driver's refusal to stderr (and every extra Dawn instance is one more to tear down at exit).
 */
function mayHaveGpu(): boolean {
  if (process.platform !== 'linux') return true;
  try {
    return readdirSync('/dev/dri').some((n) => n.startsWith('renderD')) || existsSync('/dev/nvidia0');
  } catch {
    return existsSync('/dev/nvidia0');
  }
}

/** Vulkan / Metal / D3D12 first (a real GPU), then OpenGL ES in compatibility mode. */
async function findAdapter(dawn: DawnModule): Promise<Found | null> {
  if (mayHaveGpu()) {
    const gpu = dawn.create([]);
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (adapter) return { gpu, adapter, api: process.platform === 'darwin' ? 'metal' : process.platform === 'win32' ? 'd3d12' : 'vulkan' };
  }
  process.env.EGL_PLATFORM ??= 'surfaceless';
  const gpu = dawn.create(['backend=opengles']);
  const adapter = await gpu.requestAdapter({ featureLevel: 'compatibility' });
  return adapter ? { gpu, adapter, api: 'opengles' } : null;
}

/**
 * The instance must stay referenced for as long as the device is used: once it is garbage-collected Dawn stops
 * processing events and every read back waits forever (measured: `await data()` never resolved).
 */
interface Found {
  gpu: DawnGpu;
  adapter: DawnAdapter;
  api: string;
}

/**
 * One probe per process, kept: a second set of Dawn instances (auto's probe, then an explicit request) made the
 * process abort at exit ("terminate called after throwing … std::system_error", exit 134).
 */
let probe: Promise<Found | null> | null = null;

function describe(adapter: DawnAdapter, api: string): GpuAdapter {
  const i = adapter.info;
  const text = `${i.vendor} ${i.architecture} ${i.device} ${i.description}`;
  return { vendor: i.vendor, architecture: i.architecture, device: i.device, description: i.description, api, software: !!i.isFallbackAdapter || SOFTWARE.test(text) };
}

/** "llvmpipe-llvm-15… (OpenGL ES 3.2 Mesa 22.3.6; opengles, software)". */
export function adapterText(a: GpuAdapter): string {
  const name = [a.vendor, a.architecture, a.device].filter((s) => s).join(' ') || 'unnamed adapter';
  return `${name} (${[a.description, `${a.api}, ${a.software ? 'software' : 'hardware'}`].filter((s) => s).join('; ')})`;
}

/** Why 'auto' does not take a software adapter. */
const softwareRefusal = (a: GpuAdapter) => new Error(`the adapter is software (${adapterText(a)}), slower than the wasm kernels`);

/** A sum and a matrix product with known answers, on the backend just set: null when both are right. */
async function selfTest(): Promise<string | null> {
  const av = Array.from({ length: 64 * 48 }, (_, i) => ((i * 7) % 13) - 6);
  const bv = Array.from({ length: 48 * 40 }, (_, i) => ((i * 5) % 11) - 5);
  const sum = tf.sum(tf.ones([4099]));
  const a = tf.tensor2d(av, [64, 48]);
  const b = tf.tensor2d(bv, [48, 40]);
  const prod = tf.matMul(a, b);
  try {
    const s = (await sum.data())[0];
    if (s !== 4099) return `a sum of 4099 ones gave ${s}`;
    const got = await prod.data();
    for (let r = 0; r < 64; r++) {
      for (let c = 0; c < 40; c++) {
        let want = 0;
        for (let k = 0; k < 48; k++) want += av[r * 48 + k]! * bv[k * 40 + c]!;
        if (got[r * 40 + c] !== want) return `a 64×48 by 48×40 product gave ${got[r * 40 + c]} at (${r}, ${c}) for ${want}`;
      }
    }
    return null;
  } finally {
    [sum, a, b, prod].forEach((t) => t.dispose());
  }
}

/**
 * Starts the WebGPU backend (once per process; later calls reuse the device). Throws an Error whose message says
 * why it cannot run: the package is missing, no adapter, the device failed, or the self-test computed wrong.
 * `hardwareOnly` refuses a software adapter before any device is opened ('auto': llvmpipe is slower than wasm).
 */
export async function startWebgpu(hardwareOnly = false): Promise<GpuAdapter> {
  if (started && hardwareOnly && started.software) throw softwareRefusal(started);
  // Without a GPU device node Linux can only offer a software adapter, and even probing for it makes Dawn print
  // warnings to stderr on every scan: auto does not look.
  if (!started && hardwareOnly && !mayHaveGpu()) throw new Error('no GPU on this machine (no /dev/dri/renderD* or /dev/nvidia0)');
  if (started) {
    if (lostReason) throw new Error(`the WebGPU device was lost (${lostReason})`);
    if (!(await tf.setBackend('webgpu'))) throw new Error('the WebGPU backend did not initialise');
    return started;
  }
  const dawn = await loadDawn();
  const found = await (probe ??= findAdapter(dawn));
  if (!found) throw new Error('no WebGPU adapter (Dawn found neither a Vulkan/Metal/D3D12 GPU nor OpenGL ES through EGL)');
  const { gpu, adapter, api } = found;
  const info = describe(adapter, api);
  if (hardwareOnly && info.software) throw softwareRefusal(info);
  const requiredLimits: Record<string, number> = {};
  for (const k of LIMITS) if (typeof adapter.limits[k] === 'number') requiredLimits[k] = adapter.limits[k]!;
  let device: DawnDevice;
  try {
    device = await adapter.requestDevice({ requiredLimits });
  } catch (e) {
    throw new Error(`the WebGPU adapter refused a device (${(e as Error).message})`);
  }
  const bounds = [requiredLimits.maxBufferSize, requiredLimits.maxStorageBufferBindingSize].filter((v): v is number => typeof v === 'number' && v > 0);
  tensorLimit = bounds.length > 0 ? Math.min(...bounds) : null;
  void device.lost.then((l) => (lostReason = `${l.reason}${l.message ? `: ${l.message}` : ''}`));
  device.onuncapturederror = (e) => {
    // The first line says what failed ("Buffer size (…) exceeds the max buffer size limit (…)"); later ones cascade.
    if (gpuErrors.length < 8) gpuErrors.push(e.error.message.trim().split('\n')[0]!);
  };
  // Dawn's node globals (GPUBufferUsage, GPUMapMode, …) and navigator.gpu, which tfjs-backend-webgpu expects.
  Object.assign(globalThis, dawn.globals);
  const nav = (globalThis as { navigator?: object }).navigator;
  Object.defineProperty(globalThis, 'navigator', { value: { ...(nav ?? {}), gpu }, configurable: true, writable: true });
  // Loaded only now: the package registers a 'webgpu' factory that would open its own device with default limits.
  const { WebGPUBackend } = require('@tensorflow/tfjs-backend-webgpu') as typeof import('@tensorflow/tfjs-backend-webgpu');
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', () => new WebGPUBackend(device as never, adapter.info as never));
  if (!(await tf.setBackend('webgpu'))) throw new Error('the WebGPU backend did not initialise');
  await tf.ready();
  const wrong = await selfTest();
  if (wrong) {
    tf.removeBackend('webgpu');
    throw new Error(`the WebGPU adapter ${adapterText(info)} computes wrong results (${wrong}), so it is not used`);
  }
  started = info;
  return info;
}
