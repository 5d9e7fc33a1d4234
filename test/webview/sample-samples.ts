/**
 * A suspicious-sample ranking for the panel tests, built the way the host builds one: a SamplesOutput with seeded
 * scores (a poisoned tenth near 0, the rest far below) and real thumbnails drawn by the engine from a constructed
 * 28×28 dataset, turned into the panel's SamplesReport by the host's own samplesReport().
 */
import type { Dataset } from '../../src/engine/data/dataset';
import type { SamplesOutput } from '../../src/engine/samples';
import type { SamplesReport } from '../../src/protocol';
import { pixelSpaceOf } from '../../src/engine/evidence/pixel-space';
import { sampleThumbnail } from '../../src/engine/evidence/thumbnails';
import { GRID_CAP, samplesReport, type SamplesRun } from '../../src/extension/samples-report';

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export function sampleSamplesRun(count = 300, withFlags = false): SamplesRun {
  const rnd = seeded(5);
  const [c, h, w] = [1, 28, 28];
  const x = new Float32Array(count * h * w * c);
  for (let i = 0; i < x.length; i++) x[i] = rnd();
  const y = Int32Array.from({ length: count }, (_, i) => i % 10);
  const data: Dataset = { source: '/data/train.npz', count, shape: [c, h, w], x, y, mean: [], std: [], fromUint8: true };
  const poisoned = (i: number) => i % 10 === 3;
  const samples = Array.from({ length: count }, (_, index) => {
    const score = Math.round(-(poisoned(index) ? rnd() * 1e-4 : 0.5 + rnd() * 8) * 1e6) / 1e6;
    return { index, score, ownScore: score, predicted: poisoned(index) ? 0 : index % 10, ...(withFlags ? { poisoned: poisoned(index) } : {}) };
  }).sort((a, b) => b.score - a.score || a.index - b.index);
  const space = pixelSpaceOf(data);
  const output: SamplesOutput = {
    samples,
    inspect: { path: data.source, count, shape: [c, h, w] },
    score: '-KL(p_original || p_unlearned)',
    labelHistogram: [count, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    byPredictedLabel: [],
    previews: samples.slice(0, GRID_CAP).map((s) => ({ index: s.index, png: sampleThumbnail(data, s.index, space), label: y[s.index] })),
    // A stated AUROC: the panel shows it as given (the engine computes it; engine/evidence/samples.test.ts checks that).
    ...(withFlags ? { poisonFlags: { poisoned: samples.filter((s) => poisoned(s.index)).length, auroc: 0.9876 } } : {}),
  };
  return { model: '/work/models/model.onnx', data: '/work/models/defense.npz', output };
}

export function sampleSamplesReport(count = 300, withFlags = false): SamplesReport {
  return samplesReport(sampleSamplesRun(count, withFlags));
}
