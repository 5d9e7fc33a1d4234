/**
 * The per-platform .vsix (scripts/package-platform.mjs, issue #25): it carries the webgpu package with only its own
 * target's dawn.node, declares that target, and its bundled CLI, unpacked away from this checkout's node_modules,
 * scans on WebGPU from what the package carries.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { ScanResult } from '../../src/engine/result';

const ROOT = path.resolve(__dirname, '../..');

test('the linux-x64 vsix carries one dawn.node and its CLI scans on WebGPU with it', { timeout: 600_000 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rnp-vsix-'));
  const vsix = path.join(dir, 'rnp-linux-x64.vsix');
  execFileSync(process.execPath, ['scripts/package-platform.mjs', 'linux-x64', vsix], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  const listing = execFileSync('unzip', ['-l', vsix], { encoding: 'utf8' });
  assert.match(listing, / extension\/dist\/node_modules\/webgpu\/dist\/linux-x64\/dawn\.node\n/);
  assert.doesNotMatch(listing, /webgpu\/dist\/(darwin|win32|linux-arm64)/, 'only the target platform');
  assert.match(execFileSync('unzip', ['-p', vsix, 'extension.vsixmanifest'], { encoding: 'utf8' }), /TargetPlatform="linux-x64"/);
  const unpacked = path.join(dir, 'x');
  execFileSync('unzip', ['-q', vsix, '-d', unpacked]);
  const out = path.join(dir, 'scan');
  const demo = path.join(ROOT, 'demo');
  const r = spawnSync(process.execPath, [path.join(unpacked, 'extension/dist/cli.js'), path.join(demo, 'model.onnx'), '--data', path.join(demo, 'defense.npz'), '--out', out, '--mode', 'paper', '--unlearn-epochs', '1', '--recover-epochs', '1', '--no-export', '--fail-on', 'never', '--backend', 'webgpu'], { cwd: dir, encoding: 'utf8', env: { ...process.env, NODE_PATH: '' }, timeout: 300_000 });
  assert.equal(r.status, 0, r.stderr.slice(-800));
  const result = JSON.parse(readFileSync(path.join(out, 'scan.json'), 'utf8')) as ScanResult;
  assert.equal(result.backend.name, 'webgpu');
  assert.ok(result.backend.adapter, 'the adapter is named');
  // And the universal package's ignore list leaves nothing behind for it: the staged copy is gone.
  assert.throws(() => execFileSync('ls', [path.join(ROOT, 'dist/node_modules')], { stdio: 'ignore' }));
});
