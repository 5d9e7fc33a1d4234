/**
 * A ScanResult built by hand (type-checked against the real type) for rendering tests of the panel. Masks come
 * from a seeded generator so the expected counts are computed, not copied.
 */
import { planScan } from '../../src/engine/plan';
import { resolveOptions } from '../../src/engine/options';
import type { ScanResult } from '../../src/engine/result';
import { PAPER_DEFAULTS } from '../../src/engine/options';

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** A 2×2 PNG (distinct from the 1×1 trigger pixel), so a test can tell the original model's pictures apart. */
export const PIXEL_2X2 = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAYAAABytg0kAAAAEUlEQVR4nGP4z8DwH4QZYAwAR8oH+WdZbrcAAAAASUVORK5CYII=';

/**
 * Per-label scores as a trigger-recovering scan writes them: norms from a seeded generator with one label's far
 * below the rest, the anomaly indices computed from them here (median/MAD), not copied.
 */
export function sampleLabelScores(target: number, k = 10): ScanResult['labelScores'] {
  const rnd = seeded(11);
  const norms = Array.from({ length: k }, (_, i) => (i === target ? 4 : 40 + rnd() * 20));
  const median = (v: number[]) => {
    const s = [...v].sort((a, b) => a - b);
    return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  const med = median(norms);
  const mad = 1.4826 * median(norms.map((x) => Math.abs(x - med)));
  return norms.map((n, label) => ({ label, unlearnedShare: label === target ? 0.81 : 0.02, triggerNorm: n, anomalyIndex: (med - n) / mad }));
}

/**
 * A repair history as rnp/repair.ts writes it: epoch 0 is the pruned model, then `epochs` fine-tuning epochs with
 * seeded values; the kept epoch is computed by the engine's rule (most accurate where trigger success <= 5 %),
 * not copied.
 */
export function sampleRepair(epochs = 10, label = 3, otherLabels: number[] = [8]): NonNullable<ScanResult['repair']> {
  const rnd = seeded(23);
  const history = Array.from({ length: epochs + 1 }, (_, epoch) => ({
    epoch,
    holdoutAcc: Math.round((0.7 + 0.2 * (1 - Math.exp(-epoch / 3)) + rnd() * 0.02) * 1e4) / 1e4,
    holdoutTriggerSuccess: Math.round((epoch === 0 ? 0.4 : Math.max(0, 0.2 - epoch * 0.04) + rnd() * 0.03) * 1e4) / 1e4,
    holdoutDivergence: Math.round((0.3 * Math.exp(-epoch / 3) + rnd() * 0.02) * 1e4) / 1e4,
  }));
  const eligible = history.filter((e) => e.holdoutTriggerSuccess <= 0.05);
  const chosen = (eligible.length ? eligible : history).reduce((b, e) => (e.holdoutDivergence < b.holdoutDivergence ? e : b));
  return { triggerLabel: label, triggerSources: ['unlearned', 'original'], otherLabels, epochs: history, chosenEpoch: chosen.epoch, model: '/work/models/.rnp-scan/model.onnx/repaired.onnx', modelSha256: '1'.repeat(64) };
}

export function sampleResult(
  opts: { withCurve?: boolean; withTrigger?: boolean; withMad?: boolean; withOriginalTrigger?: boolean; withRepair?: boolean; adaptiveThreshold?: number; nothingPruned?: 'clean' | 'inconclusive' } = {},
): ScanResult {
  const rnd = seeded(7);
  const layer = (name: string, n: number) => ({ name, kind: 'batchnorm' as const, masks: Array.from({ length: n }, () => Math.round(rnd() * 1e4) / 1e4) });
  const layers = [layer('bn1', 16), layer('layer1.0.bn1', 32), layer('layer2.0.bn2', 64), layer('bn_final', 8)];
  const thresholds = Array.from({ length: 19 }, (_, i) => Math.round(i * 5) / 100);
  const pruned = (t: number) => layers.reduce((a, l) => a + l.masks.filter((m) => m <= t).length, 0);
  // The adaptive mode's threshold is a mask value (not on the curve's 0.05 grid); -1 when the verdict pruned nothing.
  const threshold = opts.nothingPruned ? -1 : (opts.adaptiveThreshold ?? 0.2);
  const pixel = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
  return {
    schema: 1,
    tool: { name: 'rnp-scan', version: '0.1.0' },
    model: '/work/models/model.onnx',
    modelSha256: '0'.repeat(64),
    backend: { name: 'wasm', reason: 'test' },
    mode: opts.withRepair || opts.nothingPruned || opts.adaptiveThreshold !== undefined ? 'adaptive' : 'paper',
    // The real planner's plan for that mode (src/engine/plan.ts), for the panel's plan card.
    plan: planScan(resolveOptions({ mode: opts.withRepair || opts.nothingPruned || opts.adaptiveThreshold !== undefined ? 'adaptive' : 'paper' }), {
      numClasses: 10,
      maskLayers: layers.length,
      maskChannels: layers.reduce((a, l) => a + l.masks.length, 0),
      maskSite: 'batchnorm',
      defenseCount: 100,
      hasCleanTest: false,
      hasPoisonTest: false,
      writePruned: true,
    }),
    options: { ...PAPER_DEFAULTS },
    verdict: opts.nothingPruned ?? 'backdoored',
    detectedLabel: opts.nothingPruned ? null : 3,
    confidence: 0.87,
    evidence: ['the unlearned model predicts label 3 for 81% of the defense data'],
    threshold,
    // nothingPruned stands for a report from before issue #20, when a verdict other than backdoored pruned nothing.
    thresholdSource: opts.nothingPruned ? 'target-share' : opts.adaptiveThreshold !== undefined ? 'clean-data' : 'fixed',
    thresholdCandidates: [],
    prunedCount: pruned(threshold),
    totalChannels: layers.reduce((a, l) => a + l.masks.length, 0),
    maskSite: 'batchnorm',
    notes: [],
    layers,
    before: { acc: 0.91, asr: 0.99 },
    // Distinct from every curve point, so a test can tell `after` (the scan's own, repaired model) from the curve.
    after: opts.nothingPruned ? { acc: 0.91, asr: 0.99 } : { acc: 0.8937, asr: 0.0123 },
    curve: opts.withCurve === false ? [] : thresholds.map((t) => ({ threshold: t, pruned: pruned(t), acc: 0.91 - t * 0.3, asr: Math.max(0, 0.99 - t * 5) })),
    unlearnHistory: [1, 2, 3].map((e) => ({ epoch: e, acc: 0.9 - e * 0.25, loss: e })),
    recoverHistory: [1, 2, 3, 4].map((e) => ({ epoch: e, acc: 0.5 + e * 0.1, loss: 1 / e })),
    labelHistogram: [3, 1, 0, 81, 2, 0, 4, 1, 5, 3],
    labelScores: opts.withMad ? sampleLabelScores(3) : [],
    trigger: opts.withTrigger
      ? {
          label: 3,
          maskL1: 12.5,
          asrOnOriginal: 0.97,
          maskPng: pixel,
          patternPng: pixel,
          stampedPng: pixel,
          cleanPng: pixel,
          unlearnedSearch: { maskL1: 9.75, asrOnOriginal: 0.72 },
          ...(opts.withOriginalTrigger ? { fromOriginal: { maskL1: 31.25, asrOnOriginal: 0.912, maskPng: PIXEL_2X2, patternPng: PIXEL_2X2 } } : {}),
        }
      : null,
    repair: opts.withRepair ? sampleRepair() : null,
    prunedModel: null,
    numClasses: 10,
    data: { defense: { path: '/work/models/defense.npz', count: 100, shape: [1, 28, 28] }, cleanTest: null, poisonTest: null },
    seconds: { load: 1, unlearn: 2, recover: 3, prune: 0.1, evaluate: 1, evidence: 0.1, repair: 0, total: 7.2 },
  };
}
