/**
 * Stage `curve`: ACC / ASR of prune-only models at thresholds 0 … 0.9 (step 0.05, as the reference's sweep), for
 * the panel's slider. Enters and leaves with the scan's pruned model on the program.
 */
import { prune, withReplaced } from '../rnp/prune';
import { checkpoint } from '../train/pass-context';
import type { CurvePoint } from '../result';
import { metricsOf } from './evaluate';
import { need, type Stage } from './context';

/** Thresholds of the ACC/ASR curve (0 .. 0.9 step 0.05, as the reference's sweep). */
export const CURVE_THRESHOLDS = Array.from({ length: 19 }, (_, i) => Math.round(i * 5) / 100);

export const curveStage: Stage = {
  name: 'curve',
  phase: 'evaluate',
  run: async (ctx) => {
    const { program, graph } = ctx;
    const masks = need(ctx, 'masks');
    const curve: CurvePoint[] = [];
    for (const th of CURVE_THRESHOLDS) {
      await checkpoint(ctx.hooks.signal);
      // Thresholds rise, so an equal count means the same pruned set: reuse its metrics.
      const prev = curve[curve.length - 1];
      const count = masks.reduce((n, m) => n + m.filter((v) => v <= th).length, 0);
      if (prev && prev.pruned === count) {
        curve.push({ ...prev, threshold: th });
        continue;
      }
      const p = prune(graph.initializers, program.maskSites, masks, th);
      program.assign(withReplaced(graph.initializers, p.replaced));
      curve.push({ threshold: th, pruned: p.count, ...(await metricsOf(ctx)) });
    }
    program.assign(withReplaced(graph.initializers, need(ctx, 'pruned').replaced));
    return { curve };
  },
};
