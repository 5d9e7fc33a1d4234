// Replaying cached stages (src/engine/stages/cache.ts): a second scan of the same model and data with a cache
// replays unlearn, recover and evidence and gives the same result; a change upstream misses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { runScan } from '../../src/engine/scan';
import { DirectoryStageCache, decode, encode } from '../../src/engine/stages/cache';
import type { ScanRequest } from '../../src/engine/jobs';

const DEMO = path.resolve('demo');

test('the cache codec keeps typed arrays and Maps exact', () => {
  const v = { a: new Float32Array([1.5, -0, NaN, 3e-39]), m: new Map([['w', new Int32Array([1, -2])]]), n: [1, 'x', null] };
  const back = decode(JSON.parse(JSON.stringify(encode(v)))) as typeof v;
  assert.ok(back.a instanceof Float32Array);
  assert.deepEqual(Buffer.from(back.a.buffer), Buffer.from(v.a.buffer));
  assert.deepEqual([...back.m.get('w')!], [1, -2]);
  assert.deepEqual(back.n, v.n);
});

test('a scan replayed from its cache gives the same result; a changed option misses from that stage on', async () => {
  const out = mkdtempSync(path.join(tmpdir(), 'rnp-cache-'));
  try {
    // Adaptive with the trigger search, short unlearning and recovery: every cached stage runs.
    const req = (o: ScanRequest['options'], name: string): ScanRequest => ({
      model: path.join(DEMO, 'model.onnx'),
      data: path.join(DEMO, 'defense.npz'),
      cleanTest: path.join(DEMO, 'clean_test.npz'),
      outDir: path.join(out, name),
      options: { unlearnEpochs: 3, recoverEpochs: 3, ...o },
      writePruned: false,
    });
    const cache = new DirectoryStageCache(path.join(out, 'cache'));
    const first = await runScan(req({}, 'a'), { cache });
    assert.equal(cache.hits.length, 0);
    const again = new DirectoryStageCache(path.join(out, 'cache'));
    const second = await runScan(req({}, 'b'), { cache: again });
    assert.equal(again.hits.length, 3, 'unlearn, recover and evidence replayed');
    const strip = (r: typeof first.result) => ({ ...r, seconds: null, repair: r.repair && { ...r.repair, model: null } });
    assert.deepEqual(strip(second.result), strip(first.result));
    // A recovery option changes recovery's key (and so everything after it): only unlearning is replayed.
    const third = new DirectoryStageCache(path.join(out, 'cache'));
    const changed = await runScan(req({ recoverLr: 0.1, trigger: false }, 'c'), { cache: third });
    assert.equal(third.hits.length, 1, 'only unlearning replayed');
    assert.notDeepEqual(changed.result.layers, first.result.layers);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
