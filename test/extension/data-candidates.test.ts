// Defense-data candidates and export paths.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultExportPath, defenseDataWarning, imageFolderRoots, isSameFile, testSetsBeside } from '../../src/extension/data-candidates';

test('image folders are the parents of class folders holding png/jpg', () => {
  const ws = ['/ws'];
  assert.deepEqual(imageFolderRoots(['/ws/other/x/c.jpeg', '/ws/imgs/0/a.png', '/ws/imgs/1/b.JPG', '/ws/docs/readme.md', '/ws/flat.png'], ws), ['/ws/imgs', '/ws/other']);
  assert.deepEqual(imageFolderRoots(['/ws/imgs/0/a.png', '/ws/imgs/0/b.png'], ws), ['/ws/imgs']);
  // a class folder at the workspace top makes the workspace itself the image folder; never its parent
  assert.deepEqual(imageFolderRoots(['/ws/0/a.png', '/ws/flat.png', '/wsx/0/a.png'], ws), ['/ws']);
  assert.deepEqual(imageFolderRoots(['/ws/a.txt'], ws), []);
});

test('test sets beside the defense file are found only when they exist', () => {
  const have = new Set(['/d/clean_test.npz']);
  assert.deepEqual(testSetsBeside('/d/defense.npz', (p) => have.has(p)), { cleanTest: '/d/clean_test.npz' });
  have.add('/d/poison_test.npz');
  assert.deepEqual(testSetsBeside('/d/defense.npz', (p) => have.has(p)), { cleanTest: '/d/clean_test.npz', poisonTest: '/d/poison_test.npz' });
  // the defense file itself is never offered as its own test set
  assert.deepEqual(testSetsBeside('/d/clean_test.npz', (p) => have.has(p)), { poisonTest: '/d/poison_test.npz' });
});

test('export path is NAME.pruned.onnx beside the model, never the model', () => {
  assert.equal(defaultExportPath('/m/net.onnx'), '/m/net.pruned.onnx');
  assert.equal(defaultExportPath('/m/NET.ONNX'), '/m/NET.pruned.onnx');
  assert.ok(isSameFile('/m/./net.onnx', '/m/net.onnx'));
  assert.ok(!isSameFile(defaultExportPath('/m/net.onnx'), '/m/net.onnx'));
});

test('defense-data warnings from the file name: poisoned and test sets are flagged, training subsets are not', () => {
  for (const f of ['/d/poison_test.npz', '/d/poisoned.npz', '/d/triggered_val.npz', '/d/BD_train.npz']) assert.equal(defenseDataWarning(f), 'looks poisoned: not clean defense data', f);
  for (const f of ['/d/clean_test.npz', '/d/test.npz', '/d/val_500.npz', '/d/fmnist-eval.npz']) assert.equal(defenseDataWarning(f), 'a test set: keep it for measuring ACC / ASR', f);
  for (const f of ['/d/defense.npz', '/d/train_1pct.npz', '/d/latest.npz', '/d/contest/defense.npz']) assert.equal(defenseDataWarning(f), null, f);
});
