// Bundles the extension, the worker, the CLI and the webview with esbuild, and copies the tfjs wasm binaries
// next to them (the engine loads them from disk: no network at run time).
import { build } from 'esbuild';
import { cpSync, mkdirSync, existsSync, readdirSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const common = {
  bundle: true,
  sourcemap: true,
  logLevel: 'warning',
  target: 'node20',
  // tfjs registers kernels and gradients as import side effects from bundles its "sideEffects" list does not name;
  // honouring that list would silently drop them (e.g. "gradient function not found for Neg").
  ignoreAnnotations: true,
};
mkdirSync('dist', { recursive: true });
const nodeEntries = { cli: 'src/cli.ts', worker: 'src/worker.ts', extension: 'src/extension/extension.ts' };
for (const [name, entry] of Object.entries(nodeEntries)) {
  if (!existsSync(entry)) continue;
  await build({
    ...common,
    entryPoints: { [name]: entry },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    // vscode: provided by the host. tfjs-node / onnxruntime-node: native, optional, loaded at run time if present.
    external: ['vscode', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'onnxruntime-node', 'webgpu'],
    banner: name === 'cli' ? { js: '#!/usr/bin/env node' } : undefined,
  });
}
if (existsSync('webview/main.ts')) {
  await build({ ...common, entryPoints: { webview: 'webview/main.ts' }, outdir: 'dist', platform: 'browser', format: 'iife', target: 'es2022' });
}
const wasmDir = 'node_modules/@tensorflow/tfjs-backend-wasm/dist';
for (const f of readdirSync(wasmDir).filter((f) => f.endsWith('.wasm'))) cpSync(`${wasmDir}/${f}`, `dist/${f}`);
// The threaded build's Emscripten main script and pthread worker code: each pthread worker loads them from disk
// (src/engine/wasm-threads.ts), since the bundle's inlined copies cannot be handed to a Node worker.
for (const f of ['tfjs-backend-wasm-threaded-simd.js', 'tfjs-backend-wasm-threaded-simd.worker.js']) cpSync(`node_modules/@tensorflow/tfjs-backend-wasm/wasm-out/${f}`, `dist/${f}`);
if (watch) console.log('watch mode is not implemented; rerun npm run build');
