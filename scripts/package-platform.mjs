// Per-platform .vsix with WebGPU (issue #25): `node scripts/package-platform.mjs linux-x64 [out.vsix]`.
// The universal `npm run package` carries the wasm backend only; this one adds the optional `webgpu` package with the
// one dawn.node its target needs (the package holds all five, 132 MB), next to the bundles in dist/node_modules, where
// the worker's require.resolve('webgpu') finds it. Targets: the platforms the package ships a dawn.node for.
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const DAWN_DIR = { 'linux-x64': 'linux-x64', 'linux-arm64': 'linux-arm64', 'win32-x64': 'win32-x64', 'win32-arm64': 'win32-arm64', 'darwin-x64': 'darwin-universal', 'darwin-arm64': 'darwin-universal' };
const [target, out = `out/rnp-backdoor-scan-${target}.vsix`] = process.argv.slice(2);
if (!DAWN_DIR[target]) {
  console.error(`usage: node scripts/package-platform.mjs TARGET [OUT.vsix]; TARGET one of ${Object.keys(DAWN_DIR).join(', ')}`);
  process.exit(2);
}
const src = 'node_modules/webgpu';
if (!existsSync(join(src, 'dist', DAWN_DIR[target], 'dawn.node'))) {
  console.error(`${src}/dist/${DAWN_DIR[target]}/dawn.node is missing: npm install webgpu first`);
  process.exit(1);
}
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
execFileSync('node', ['scripts/build.mjs'], { stdio: 'inherit' });
const staged = 'dist/node_modules/webgpu';
rmSync('dist/node_modules', { recursive: true, force: true });
try {
  mkdirSync(join(staged, 'dist'), { recursive: true });
  for (const f of ['package.json', 'index.js', 'LICENSE.md']) if (existsSync(join(src, f))) cpSync(join(src, f), join(staged, f));
  cpSync(join(src, 'dist', DAWN_DIR[target]), join(staged, 'dist', DAWN_DIR[target]), { recursive: true });
  mkdirSync('out', { recursive: true });
  execFileSync(npx, ['vsce', 'package', '--target', target, '--no-dependencies', '--no-rewrite-relative-links', '-o', out], { stdio: 'inherit' });
} finally {
  // The universal package must not pick it up.
  rmSync('dist/node_modules', { recursive: true, force: true });
}
