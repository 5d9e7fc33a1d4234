// Child of batch.test.ts: appends `count` rows to results.jsonl as writer `id`, as fast as it can.
import { appendRow, type BatchRow } from '../../src/engine/batch';

const [file, id, count, pad] = process.argv.slice(2);
(async () => {
  for (let i = 0; i < Number(count); i++) {
    const row: BatchRow = { model: `w${id}/m${i}.onnx`, sha256: 'x'.repeat(64), verdict: 'clean', detectedLabel: null, status: 'done', error: null, code: null, seconds: i, config: 'c', shard: `${id}/9`, at: 'x'.repeat(Number(pad)) };
    await appendRow(file, row);
  }
})();
