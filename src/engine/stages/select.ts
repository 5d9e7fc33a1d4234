/**
 * Stage `select`: the pruning threshold. Fixed (paper mode, or the user's --threshold): that value. Adaptive: a
 * model found backdoored is pruned in mask order until the unlearned model lets go of the detected label
 * (rnp/select-adaptive.ts); any other verdict prunes nothing. Works on the unlearned model; leaves it on the program.
 */
import { nothingPruned, selectAdaptiveThreshold } from '../rnp/select-adaptive';
import { need, type Stage } from './context';

export const selectStage: Stage = {
  name: 'select',
  phase: 'prune',
  run: async (ctx) => {
    if (ctx.plan.threshold.kind === 'fixed') return { threshold: ctx.plan.threshold.value, thresholdSource: 'fixed', thresholdCandidates: [] };
    const label = need(ctx, 'label');
    const sel =
      label.verdict === 'backdoored' && label.detectedLabel !== null
        ? await selectAdaptiveThreshold(ctx.program, ctx.defense, need(ctx, 'labelHistogram'), need(ctx, 'masks'), label.detectedLabel, ctx.o, ctx.hooks.signal)
        : nothingPruned(`The verdict is ${label.verdict}: nothing is pruned (the curve shows what pruning would do).`);
    ctx.notes.push(sel.note);
    return { threshold: sel.threshold, thresholdSource: sel.source, thresholdCandidates: sel.candidates };
  },
};
