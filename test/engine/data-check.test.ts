/**
 * engine/data-check.ts, the check a user gets before scanning with a defense set: on the demo (a real PyTorch
 * export and real Fashion-MNIST) the counts equal numpy's bincount of the file, the accuracy equals onnxruntime's on
 * the same file (the independent oracle), and a clean, balanced set of 500 raises no warning. A wrong mean/std is
 * caught and the right preprocessing is named with onnxruntime's accuracy; a small subset missing labels, an
 * unbalanced one and data of the wrong shape each say what is wrong. The findings rules are driven directly too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { checkDefenseData, dataFindings, dataCheckSummary, candidatePreprocessings, type DataFacts } from '../../src/engine/data-check';
import { readNpz, writeNpz } from '../../src/engine/data/npz';
import { InputError } from '../../src/engine/errors';
import { ortAccuracy } from '../ort-accuracy';

const DEMO = path.resolve(__dirname, '../../demo');
const MODEL = path.join(DEMO, 'model.onnx');
const DEFENSE = path.join(DEMO, 'defense.npz');
const cpu = { backend: 'cpu' as const };

async function subset(dir: string, name: string, keep: (label: number, i: number) => boolean): Promise<string> {
  const { arrays } = await readNpz(DEFENSE);
  const x = arrays.get('x')!;
  const y = arrays.get('y')!;
  const per = x.shape.slice(1).reduce((a, b) => a * b, 1);
  const idx: number[] = [];
  for (let i = 0; i < x.shape[0]; i++) if (keep(Number((y.data as ArrayLike<number | bigint>)[i]), i)) idx.push(i);
  const xs = new Uint8Array(idx.length * per);
  idx.forEach((i, k) => xs.set((x.data as Uint8Array).subarray(i * per, (i + 1) * per), k * per));
  const file = path.join(dir, name);
  await writeNpz(file, { x: { dtype: 'uint8', shape: [idx.length, ...x.shape.slice(1)], data: xs }, y: { dtype: 'int64', shape: [idx.length], data: BigInt64Array.from(idx, (i) => BigInt((y.data as ArrayLike<number | bigint>)[i])) } });
  return file;
}

test('the demo defense set: counts as the file says, accuracy as onnxruntime says, no warning', async () => {
  const c = await checkDefenseData({ model: MODEL, data: DEFENSE, options: cpu });
  const { arrays } = await readNpz(DEFENSE);
  const counts = new Array<number>(10).fill(0);
  const ys = arrays.get('y')!.data as ArrayLike<number | bigint>;
  for (let i = 0; i < ys.length; i++) counts[Number(ys[i])]++;
  assert.deepEqual(c.classCounts, counts);
  assert.equal(c.count, 500);
  assert.deepEqual(c.shape, [1, 28, 28]);
  assert.equal(c.numClasses, 10);
  const oracle = await ortAccuracy(MODEL, DEFENSE);
  assert.ok(Math.abs(c.preprocessing.accuracy - oracle) <= 1 / c.count, `tfjs ${c.preprocessing.accuracy} vs onnxruntime ${oracle}`);
  assert.deepEqual(c.findings.map((f) => f.level), ['info']);
  assert.match(c.findings[0].text, /right on \d+\.\d %/);
  assert.deepEqual(c.alternatives, [], 'a model that fits its data is not re-measured');
  assert.equal(c.classNames?.[0], 'T-shirt/top', 'demo/labels.txt beside the model');
  assert.match(dataCheckSummary(c), /^500 samples of 1×28×28, 10 of 10 labels \(50 each\), model right on/);
});

test('a wrong mean/std is caught, and the preprocessing the model was trained with is named', async () => {
  const c = await checkDefenseData({ model: MODEL, data: DEFENSE, options: { ...cpu, preprocess: { mean: [0.9], std: [0.1] } } });
  const oracle = await ortAccuracy(MODEL, DEFENSE); // uint8 / 255, no mean/std: how the demo was trained
  assert.ok(c.preprocessing.accuracy < 0.5, `wrong stats still give ${c.preprocessing.accuracy}`);
  const best = c.alternatives[0];
  assert.deepEqual([best.mean, best.std], [[], []]);
  assert.ok(Math.abs(best.accuracy - oracle) <= 1 / c.count, `re-preprocessed ${best.accuracy} vs onnxruntime ${oracle}`);
  assert.ok(c.alternatives.every((a, i) => i === 0 || c.alternatives[i - 1].accuracy >= a.accuracy), 'best first');
  const w = c.findings.find((f) => f.level === 'warning' && /right on only/.test(f.text));
  assert.ok(w, JSON.stringify(c.findings));
  assert.match(w.text, /clear rnp\.preprocess\.mean/);
});

test('a small subset missing labels, and an unbalanced one, say so; data of another shape is the scan\'s own error', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rnp-datacheck-'));
  try {
    const small = await subset(dir, 'small.npz', (label, i) => label < 5 && i % 5 === 0);
    const c = await checkDefenseData({ model: MODEL, data: small, options: cpu });
    assert.equal(c.count, c.classCounts.reduce((a, b) => a + b, 0));
    assert.ok(c.count < 100);
    assert.deepEqual(c.classCounts.slice(5), [0, 0, 0, 0, 0]);
    const texts = c.findings.filter((f) => f.level === 'warning').map((f) => f.text).join('\n');
    assert.match(texts, /Only \d+ samples/);
    assert.match(texts, /No samples of labels 5 \(Sandal\), 6 \(Shirt\), 7 \(Sneaker\), 8 \(Bag\), 9 \(Ankle boot\) \(of 10\)/);
    let seen = 0;
    const skewed = await subset(dir, 'skewed.npz', (label) => label !== 3 || seen++ < 10);
    const s = await checkDefenseData({ model: MODEL, data: skewed, options: cpu });
    assert.equal(s.classCounts[3], 10);
    assert.match(s.findings.map((f) => f.text).join('\n'), /Unbalanced: label \d \(.+\) has 50 samples, label 3 \(Dress\) 10/);
    const colour = path.join(dir, 'colour.npz');
    await writeNpz(colour, { x: { dtype: 'uint8', shape: [4, 3, 32, 32], data: new Uint8Array(4 * 3 * 32 * 32) }, y: { dtype: 'int64', shape: [4], data: new BigInt64Array(4) } });
    await assert.rejects(checkDefenseData({ model: MODEL, data: colour, options: cpu }), (e) => e instanceof InputError && e.code === 'DATA_MISMATCH' && e.file === colour && /1, 28, 28|1×28×28|\[1,28,28\]/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const facts = (over: Partial<DataFacts>): DataFacts => ({
  count: 500,
  numClasses: 10,
  classCounts: new Array(10).fill(50),
  preprocessing: { label: 'pixels in [0, 1], no mean/std', mean: [], std: [], accuracy: 0.9 },
  alternatives: [],
  cleanThreshold: 0.2,
  ...over,
});

test('findings: the rules one by one', () => {
  assert.deepEqual(dataFindings(facts({})).map((f) => f.level), ['info']);
  const atStop = dataFindings(facts({ preprocessing: { label: 'p', mean: [], std: [], accuracy: 0.15 } }));
  assert.match(atStop[0].text, /nothing to unlearn/);
  assert.match(atStop[0].text, /class order/, 'no better preprocessing: the labels are the suspect');
  const weakAlt = dataFindings(facts({ preprocessing: { label: 'p', mean: [], std: [], accuracy: 0.3 }, alternatives: [{ label: 'q', mean: [0.5], std: [0.5], accuracy: 0.45 }] }));
  assert.doesNotMatch(weakAlt[0].text, /With q/, 'an alternative below 50 % is not advice');
  const strongAlt = dataFindings(facts({ preprocessing: { label: 'p', mean: [], std: [], accuracy: 0.3 }, alternatives: [{ label: 'q', mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], accuracy: 0.8 }] }));
  assert.match(strongAlt[0].text, /With q it is right on 80\.0 %.*--mean 0\.5,0\.5,0\.5 --std 0\.5,0\.5,0\.5/);
  assert.equal(dataFindings(facts({ count: 99, classCounts: [10, 10, 10, 10, 10, 10, 10, 10, 10, 9] })).filter((f) => f.level === 'warning').length, 1);
  assert.equal(dataFindings(facts({ classCounts: [150, 50, 50, 50, 50, 50, 50, 50, 50, 50] })).filter((f) => /Unbalanced/.test(f.text)).length, 0, '3× is still balanced');
  assert.equal(dataFindings(facts({ classCounts: [151, 50, 50, 50, 50, 50, 50, 50, 50, 50] })).filter((f) => /Unbalanced/.test(f.text)).length, 1);
  const many = dataFindings(facts({ count: 6000, classCounts: new Array(10).fill(600) }));
  assert.deepEqual(many.map((f) => f.level), ['info', 'info'], 'many samples is advice, not a warning');
  const missing = dataFindings(facts({ classCounts: [0, ...new Array(9).fill(50)] }), ['cat', 'dog']);
  assert.match(missing[0].text, /No samples of label 0 \(cat\) \(of 10\): channels that serve only that class/);
});

test('candidates: the one in use is not re-tried; the data\'s own statistics are measured', () => {
  const x = Float32Array.from({ length: 12 }, (_, i) => (i % 3 === 0 ? 0.2 : i % 3 === 1 ? 0.4 : (i % 2) * 1.0));
  const d = { x, shape: [3, 2, 2] as [number, number, number], mean: [], std: [], fromUint8: true };
  const c = candidatePreprocessings(d);
  assert.deepEqual(c.map((p) => p.label.split(' ')[0]), ['mean', 'ImageNet', "this"], 'no mean/std is the one in use');
  const own = c[2];
  assert.deepEqual(own.mean, [0.2, 0.4, 0.5]);
  assert.deepEqual(own.std, [0.001, 0.001, 0.5], 'a constant channel gets a floor, not a division by 0');
});
