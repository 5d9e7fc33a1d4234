/**
 * Stage `select`: the pruning threshold. Fixed (paper mode, or the user's --threshold): that value. Adaptive: from
 * clean data, whatever the verdict (rnp/select-adaptive.ts): in mask order, within the clean-accuracy budget, and no
 * further than where the unlearned model lets go of a named label. Works on the unlearned model; leaves it on the
 * program.
 */
import { defenseBudgetFor, selectAdaptiveThreshold } from '../rnp/select-adaptive';
import { need, type Stage } from './context';

export const selectStage: Stage = {
  name: 'select',
  phase: 'prune',
  run: async (ctx) => {
    if (ctx.plan.threshold.kind === 'fixed') return { threshold: ctx.plan.threshold.value, thresholdSource: 'fixed', thresholdCandidates: [] };
    const label = need(ctx, 'label');
    const named = label.verdict === 'backdoored' ? label.detectedLabel : null;
    // Without a hold-out (adaptive mode always has one) the defense data stands in, masks fitted on it.
    const holdout = ctx.state.holdout ?? ctx.defense;
    const budget = defenseBudgetFor(label.verdict, ctx.o.accuracyTolerance).accuracy;
    const sel = await selectAdaptiveThreshold(ctx.program, ctx.graph.initializers, ctx.defense, holdout, budget, need(ctx, 'labelHistogram'), need(ctx, 'masks'), named, ctx.o, ctx.hooks.signal);
    ctx.notes.push(sel.note);
    return { threshold: sel.threshold, thresholdSource: sel.source, thresholdCandidates: sel.candidates };
  },
};
