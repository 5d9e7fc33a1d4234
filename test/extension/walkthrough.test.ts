// The first-use walkthrough (package.json contributes.walkthroughs): every step's page exists, every command it
// links or completes on is one the extension contributes, and the page's recipe for making defense data runs as
// written (Debian's python3 + numpy on a synthetic training set) and gives a balanced file the engine loads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadDataset } from '../../src/engine/data/load';

const ROOT = path.resolve(__dirname, '../..');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const steps: { id: string; description: string; media: { markdown: string }; completionEvents?: string[] }[] = pkg.contributes.walkthroughs[0].steps;

test('every step has its page, and names only contributed commands', () => {
  const commands = new Set<string>(pkg.contributes.commands.map((c: { command: string }) => c.command));
  assert.ok(steps.length >= 4);
  for (const s of steps) {
    const page = path.join(ROOT, s.media.markdown);
    assert.ok(existsSync(page), page);
    assert.ok(readFileSync(page, 'utf8').length > 200, `${page} says something`);
    for (const m of s.description.matchAll(/\(command:([\w.]+)\)/g)) assert.ok(commands.has(m[1]), `${s.id} links ${m[1]}`);
    for (const e of s.completionEvents ?? []) assert.ok(commands.has(e.replace(/^onCommand:/, '')), `${s.id} completes on ${e}`);
  }
  // The pages ship in the .vsix (.vscodeignore keeps media/**).
  assert.match(readFileSync(path.join(ROOT, '.vscodeignore'), 'utf8'), /^!media\/\*\*$/m);
});

test('the recipe for defense data runs as written and gives a balanced set the engine reads', async () => {
  const page = readFileSync(path.join(ROOT, 'media/walkthrough/make-defense-data.md'), 'utf8');
  const recipe = /```python\n([\s\S]*?)```/.exec(page)![1];
  const dir = mkdtempSync(path.join(tmpdir(), 'rnp-walkthrough-'));
  try {
    // A stand-in training set: 3000 gray 28×28 uint8 images over 10 classes, unbalanced.
    const setup = 'import numpy as np\nr = np.random.default_rng(1)\ny_train = r.choice(10, 3000, p=[0.19] + [0.09] * 9)\nx_train = r.integers(0, 256, (3000, 28, 28), dtype=np.uint8)\n';
    const r = spawnSync('/usr/bin/python3', ['-c', setup + recipe], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const ds = await loadDataset(path.join(dir, 'defense.npz'), { expectShape: [1, 28, 28], numClasses: 10 });
    assert.equal(ds.count, 500);
    const perClass = Array.from({ length: 10 }, (_, c) => ds.y.filter((y) => y === c).length);
    assert.deepEqual(perClass, Array(10).fill(50));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
