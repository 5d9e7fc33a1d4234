// Settings → engine options and worker limits (the mapping the extension passes to the worker).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { readFileSync } from 'node:fs';
import { resolveSettingPath, scanOptionsFromSettings, userSetting, workerLimitsFromSettings, type SettingGetter } from '../../src/extension/settings';
import { defaultOptions, resolveOptions, type ScanMode } from '../../src/engine/options';

const getter = (values: Record<string, unknown>): SettingGetter => (<T>(k: string) => values[k] as T | undefined) as SettingGetter;

test('the package.json setting defaults resolve to the engine defaults of the default mode', () => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
  const props = pkg.contributes.configuration.properties as Record<string, { default: unknown }>;
  const defaults = Object.fromEntries(Object.entries(props).map(([k, v]) => [k.replace(/^rnp\./, ''), v.default]));
  assert.deepEqual(resolveOptions(scanOptionsFromSettings(getter(defaults))), defaultOptions(defaults.mode as ScanMode));
  assert.deepEqual(workerLimitsFromSettings(getter(defaults)), { memoryMb: 4096, timeoutMs: 30 * 60_000 });
});

test('userSetting sees only what the user set, most specific scope first', () => {
  const get = userSetting(<T>(k: string) => (k === 'seed' ? { globalValue: 1 as T, workspaceValue: 2 as T, workspaceFolderValue: 3 as T } : k === 'mode' ? { globalValue: 'paper' as T } : undefined));
  assert.equal(get('seed'), 3);
  assert.equal(get('mode'), 'paper');
  assert.equal(get('trigger'), undefined);
});

test('settings map onto option names; unusable values are left to the engine defaults', () => {
  const o = scanOptionsFromSettings(
    getter({ mode: 'adaptive', backend: 'webgl', threads: 2, 'unlearn.epochs': 3, 'recover.alpha': 0.5, pruneThreshold: null, 'preprocess.mean': [0.5], 'preprocess.std': ['x'], seed: '7' }),
  );
  assert.deepEqual(o, { mode: 'adaptive', threads: 2, unlearnEpochs: 3, alpha: 0.5, pruneThreshold: null, preprocess: { mean: [0.5], std: [] } });
});

test('worker limits fall back on nonsense', () => {
  assert.deepEqual(workerLimitsFromSettings(getter({ workerMemoryMb: 10, timeoutMinutes: -1 })), { memoryMb: 4096, timeoutMs: 30 * 60_000 });
  assert.deepEqual(workerLimitsFromSettings(getter({ workerMemoryMb: 1024.4, timeoutMinutes: 0.5 })), { memoryMb: 1024, timeoutMs: 30_000 });
});

test('setting paths: ${workspaceFolder}, relative and absolute', () => {
  const r = (v: string | undefined, ws?: string) => resolveSettingPath(v, ws, path.join, path.isAbsolute);
  assert.equal(r('data/d.npz', '/ws'), '/ws/data/d.npz');
  assert.equal(r('${workspaceFolder}/d.npz', '/ws'), '/ws/d.npz');
  assert.equal(r('/abs/d.npz', '/ws'), '/abs/d.npz');
  assert.equal(r('  ', '/ws'), undefined);
  assert.equal(r(undefined, '/ws'), undefined);
});
