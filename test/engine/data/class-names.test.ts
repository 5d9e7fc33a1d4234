// Class names for the report (engine/data/class-names.ts): the formats a labels file may have, which file wins, a
// user-named file that does not fit is an error naming it, a found one that does not fit is skipped with a note, and
// an image folder's class folder names are the fallback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseClassNames, resolveClassNames } from '../../../src/engine/data/class-names';
import { InputError } from '../../../src/engine/errors';

test('text and JSON labels files', () => {
  assert.deepEqual(parseClassNames('\uFEFFcat\r\n dog \nbird\n\n\n', false), ['cat', 'dog', 'bird']);
  assert.equal(parseClassNames('cat\n\ndog\n', false), 'line 2 is empty (one class name per line)');
  assert.deepEqual(parseClassNames('["cat", "dog"]', true), ['cat', 'dog']);
  assert.deepEqual(parseClassNames('{"1": "dog", "0": "cat"}', true), ['cat', 'dog']);
  assert.equal(parseClassNames('{"0": "cat", "2": "bird"}', true), 'class 1 has no name');
  assert.match(String(parseClassNames('[1, 2]', true)), /strings only/);
  assert.match(String(parseClassNames('{nope', true)), /^not JSON/);
  // Control and bidi characters cannot garble the report; a very long name is cut.
  assert.deepEqual(parseClassNames('a\u202eb\u0007c', false), ['a b c']);
  assert.equal((parseClassNames('x'.repeat(500), false) as string[])[0].length, 80);
});

test('which file wins, and what a misfit does', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rnp-classes-'));
  try {
    const modelDir = path.join(dir, 'models');
    const dataDir = path.join(dir, 'data');
    mkdirSync(modelDir);
    mkdirSync(dataDir);
    const model = path.join(modelDir, 'net.onnx');
    const data = path.join(dataDir, 'defense.npz');
    const three = 'a\nb\nc\n';
    // Nothing anywhere: no names.
    assert.equal(await resolveClassNames({ model, data, numClasses: 3 }), null);
    // Beside the data only.
    writeFileSync(path.join(dataDir, 'classes.txt'), three.toUpperCase());
    assert.deepEqual(await resolveClassNames({ model, data, numClasses: 3 }), { names: ['A', 'B', 'C'], source: path.join(dataDir, 'classes.txt') });
    // Beside the model wins over beside the data; the model's own STEM.labels.txt over labels.txt.
    writeFileSync(path.join(modelDir, 'labels.txt'), 'x\ny\nz\n');
    writeFileSync(path.join(modelDir, 'net.labels.txt'), three);
    assert.deepEqual((await resolveClassNames({ model, data, numClasses: 3 }))?.source, path.join(modelDir, 'net.labels.txt'));
    // A found file with the wrong count is skipped, with a note saying why; the next one is used.
    writeFileSync(path.join(modelDir, 'net.labels.txt'), 'a\nb\n');
    const notes: string[] = [];
    const r = await resolveClassNames({ model, data, numClasses: 3 }, notes);
    assert.deepEqual(r, { names: ['x', 'y', 'z'], source: path.join(modelDir, 'labels.txt') });
    assert.deepEqual(notes, [`Class names: ${path.join(modelDir, 'net.labels.txt')} was not used (2 names for 3 classes).`]);
    // A file the user named: used before all others; wrong or missing, an error naming it.
    const mine = path.join(dir, 'mine.json');
    writeFileSync(mine, '["p", "q", "r"]');
    assert.deepEqual(await resolveClassNames({ model, data, explicit: mine, numClasses: 3 }), { names: ['p', 'q', 'r'], source: mine });
    await assert.rejects(resolveClassNames({ model, data, explicit: mine, numClasses: 4 }), (e: unknown) => e instanceof InputError && e.file === mine && /3 names for 4 classes/.test(e.message));
    await assert.rejects(resolveClassNames({ model, data, explicit: path.join(dir, 'gone.txt'), numClasses: 3 }), (e: unknown) => e instanceof InputError && /does not exist/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("an image folder's class folder names, when no labels file is found", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rnp-classes-'));
  try {
    const model = path.join(dir, 'm', 'net.onnx');
    const folder = path.join(dir, 'images');
    mkdirSync(folder);
    assert.deepEqual(await resolveClassNames({ model, data: folder, numClasses: 2, folderNames: ['cat', 'dog'] }), { names: ['cat', 'dog'], source: folder });
    assert.equal(await resolveClassNames({ model, data: folder, numClasses: 3, folderNames: ['cat', 'dog'] }), null, 'fewer folders than classes: no names');
    // A labels file inside the image folder is "beside the data".
    writeFileSync(path.join(folder, 'labels.txt'), 'Cat\nDog\n');
    assert.deepEqual((await resolveClassNames({ model, data: folder, numClasses: 2, folderNames: ['cat', 'dog'] }))?.names, ['Cat', 'Dog']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
