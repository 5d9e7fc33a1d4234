// The one options table (src/engine/options.ts): the paper's values, the per-mode defaults, and every place that
// is generated from it (CLI flags, settings, package.json, README) agrees with it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { OPTIONS, defaultOptions, getField, resolveOptions, type ScanOptions } from '../../src/engine/options';
import { parseCli } from '../../src/cli/args';
import { scanOptionsFromSettings, userSetting, type SettingGetter } from '../../src/extension/settings';
import { settingsSchema } from '../../src/extension/settings-schema';
import { optionsMarkdown, readmeWithOptions } from '../../src/cli/options-table';
import { InputError } from '../../src/engine/errors';

test("paper mode is the authors' settings exactly; adaptive differs only where it says so", () => {
  const p = defaultOptions('paper');
  assert.deepEqual(
    [p.unlearnLr, p.unlearnMomentum, p.unlearnWeightDecay, p.batchSize, p.cleanThreshold, p.unlearnEpochs, p.recoverLr, p.recoverMomentum, p.alpha, p.recoverEpochs, p.pruneThreshold, p.trigger, p.repair],
    [0.01, 0.9, 5e-4, 128, 0.2, 20, 0.2, 0.9, 0.2, 20, 0.2, false, false],
  );
  const a = defaultOptions('adaptive');
  const differs = Object.keys(p).filter((k) => JSON.stringify(p[k as keyof ScanOptions]) !== JSON.stringify(a[k as keyof ScanOptions]));
  assert.deepEqual(differs.sort(), ['mode', 'pruneThreshold', 'repair', 'trigger']);
  assert.equal(a.pruneThreshold, null);
});

test('resolveOptions checks every scan option against its table entry and names the flag and the setting', () => {
  const bad: [Partial<ScanOptions>, RegExp][] = [
    [{ unlearnLr: 0 }, /unlearnLr must be a positive number \(--unlearn-lr, rnp\.unlearn\.lr\)/],
    [{ batchSize: 1.5 }, /batchSize must be/],
    [{ cleanThreshold: 2 }, /cleanThreshold must be in \[0, 1\]/],
    [{ pruneThreshold: -0.1 }, /pruneThreshold/],
    [{ backend: 'webgl' as never }, /backend must be one of auto, tensorflow, webgpu, wasm, cpu/],
    [{ trigger: 'yes' as never }, /trigger must be true or false/],
    [{ mode: 'fast' as never }, /mode must be one of adaptive, paper/],
  ];
  for (const [partial, re] of bad) {
    assert.throws(() => resolveOptions(partial), (e: unknown) => e instanceof InputError && e.code === 'OPTION_INVALID' && re.test(e.message), JSON.stringify(partial));
  }
  // Unset = the mode's default; a null threshold in paper mode is the paper's 0.2.
  assert.equal(resolveOptions({ mode: 'paper', pruneThreshold: null }).pruneThreshold, 0.2);
  assert.equal(resolveOptions({}).mode, 'adaptive');
});

/** A valid value unlike either default, per table entry. */
function sample(name: string): unknown {
  const s = OPTIONS.find((o) => o.name === name)!;
  switch (s.type) {
    case 'enum':
      return s.values!.find((v) => v !== s.default.adaptive)!;
    case 'boolean':
      return !(s.default.adaptive as boolean);
    case 'numbers':
      return [0.25, 0.5, 0.75];
    case 'integer':
      return (s.min ?? 0) + 3;
    default:
      return s.max !== undefined ? s.max / 2 + 0.0125 : 0.0375;
  }
}

test('every scan option with a flag reaches the options through the CLI, and with a setting through the settings', () => {
  for (const s of OPTIONS.filter((o) => o.kind === 'scan')) {
    const v = sample(s.name);
    if (s.flag) {
      const args = ['m.onnx', '--data', 'd.npz'];
      if (s.type === 'boolean') args.push(v ? `--${s.flag}` : `--no-${s.flag}`);
      else args.push(`--${s.flag}`, Array.isArray(v) ? v.join(',') : String(v));
      const o = parseCli(args).request.options;
      assert.deepEqual(getField(o, s.name), v, `--${s.flag}`);
      assert.deepEqual(getField(resolveOptions(o), s.name), v, `--${s.flag} survives resolveOptions`);
    }
    if (s.setting) {
      const get = ((k: string) => (k === s.setting ? v : undefined)) as SettingGetter;
      assert.deepEqual(getField(scanOptionsFromSettings(get), s.name), v, `rnp.${s.setting}`);
    }
  }
});

test("package.json's settings are the table's (npm run docs:options writes them)", () => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
  assert.deepEqual(pkg.contributes.configuration.properties, settingsSchema());
  // A mode-dependent setting declares no fixed default: null = the mode's.
  for (const k of ['rnp.trigger', 'rnp.repair', 'rnp.pruneThreshold']) assert.equal(pkg.contributes.configuration.properties[k].default, null, k);
  assert.ok(pkg.contributes.configuration.properties['rnp.backend'].enum.includes('webgpu'));
});

test("the README's options section is the table's", () => {
  const readme = readFileSync('README.md', 'utf8');
  assert.equal(readmeWithOptions(readme), readme, 'README options section is stale: npm run docs:options');
  assert.ok(readme.includes(optionsMarkdown()));
  // A README for users (issue #19): design notes and the benchmark record live in docs/.
  assert.ok(readme.split('\n').length - 1 <= 200, `README.md is ${readme.split('\n').length - 1} lines`);
});

test('settings left at their package.json defaults do not override the mode (paper stays paper)', () => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
  const props = pkg.contributes.configuration.properties as Record<string, { default: unknown }>;
  // What VS Code's inspect() returns when the user set only rnp.mode: the defaults as defaultValue, nothing else.
  const inspect = (<T>(key: string) => ({ defaultValue: props[`rnp.${key}`]?.default as T, ...(key === 'mode' ? { globalValue: 'paper' as T } : {}) })) as Parameters<typeof userSetting>[0];
  const fromSettings = resolveOptions(scanOptionsFromSettings(userSetting(inspect)));
  const fromCli = resolveOptions(parseCli(['m.onnx', '--data', 'd.npz', '--mode', 'paper']).request.options);
  assert.deepEqual(fromSettings, fromCli);
  assert.equal(fromSettings.trigger, false);
  assert.equal(fromSettings.repair, false);
  // Even a getter that returns the package.json defaults (cfg.get) keeps paper mode: mode-dependent defaults are null.
  const get = ((k: string) => (k === 'mode' ? 'paper' : props[`rnp.${k}`]?.default)) as SettingGetter;
  assert.deepEqual(resolveOptions(scanOptionsFromSettings(get)), fromCli);
});

test('rnp-scan options [--json] prints the table', () => {
  const run = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'options', ...args], { encoding: 'utf8' });
  const j = run(['--json']);
  assert.equal(j.status, 0, j.stderr);
  const parsed = JSON.parse(j.stdout) as { options: { name: string; flag: string | null; setting: string | null; type: string; default: { adaptive: unknown; paper: unknown }; help: string }[] };
  assert.equal(parsed.options.length, OPTIONS.length);
  const th = parsed.options.find((o) => o.name === 'pruneThreshold')!;
  assert.deepEqual([th.flag, th.setting, th.default], ['--threshold', 'rnp.pruneThreshold', { adaptive: null, paper: 0.2 }]);
  const t = run([]);
  assert.equal(t.status, 0, t.stderr);
  for (const s of OPTIONS) assert.ok(t.stdout.includes(s.name), s.name);
});
