/**
 * Stage `repair` (adaptive, whatever the verdict, once a trigger was recovered): fine-tune the pruned model with the
 * candidate label's recovered triggers (and the sweep's for the next-smallest labels) stamped at their true labels, pruned channels held at zero (rnp/repair.ts),
 * the epoch kept chosen on the hold-out (the one the triggers fail on most within the clean-accuracy budget). On a clean
 * model this is a short distillation towards the original; on a backdoored one it unlearns the trigger. Enters with
 * the pruned model, leaves the repaired one on the program.
 */
import { prune, withReplaced } from '../rnp/prune';
import { repair, REPAIR_DEFAULTS } from '../rnp/repair';
import { defenseBudgetFor } from '../rnp/select-adaptive';
import { stampLabels } from '../rnp/stamp-labels';
import { need, type Stage } from './context';
import { metricsOf } from './evaluate';

export const repairStage: Stage = {
  name: 'repair',
  phase: 'repair',
  run: async (ctx) => {
    const { program, graph } = ctx;
    const label = need(ctx, 'label');
    const evidence = ctx.state.triggerEvidence;
    const holdout = ctx.state.holdout;
    if (!evidence || !holdout) return { repaired: null };
    const recovered = evidence.recovered;
    const triggerLabel = recovered.fromUnlearned.label;
    const pr = need(ctx, 'pruned');
    const budget = defenseBudgetFor(label.verdict, ctx.o.accuracyTolerance);
    // The candidate's two triggers, then the sweep's own for the next-smallest labels (rnp/stamp-labels.ts).
    const otherLabels = stampLabels(evidence.sweep.results, triggerLabel, REPAIR_DEFAULTS.otherLabels).slice(1);
    const triggers = [recovered.fromUnlearned, recovered.fromOriginal, ...otherLabels.map((l) => evidence.sweep.results[l])].map((t) => ({ label: t.label, mask: t.mask, pattern: t.pattern, space: recovered.space }));
    const r = await repair(program, graph.initializers, need(ctx, 'trainSet'), holdout, pr.pruned.map((f) => f.map((p) => !p)), triggers, REPAIR_DEFAULTS, budget, {
      rng: need(ctx, 'rng'),
      signal: ctx.hooks.signal,
      study: ctx.hooks.studyRepair && { epochs: ctx.hooks.studyRepair.epochs, measure: () => metricsOf(ctx) },
      onRepairEpoch: (e, n) =>
        ctx.report('repair', e.epoch, n, `repairing epoch ${e.epoch}: held-out acc ${(e.holdoutAcc * 100).toFixed(1)}%, trigger success ${(e.holdoutTriggerSuccess * 100).toFixed(1)}%`, e.holdoutAcc),
    });
    // The pruned channels stay exactly zero: masks held them, and pruning the fine-tuned weights again makes sure.
    const tuned = await program.readInitializers();
    const again = prune(withReplaced(graph.initializers, tuned), program.maskSites, need(ctx, 'masks'), need(ctx, 'threshold'));
    const weights = new Map([...tuned, ...again.replaced]);
    program.assign(withReplaced(graph.initializers, weights));
    const chosen = r.history.find((e) => e.epoch === r.chosenEpoch)!;
    ctx.notes.push(
      `Repair: ${r.history.length - 1} epochs of fine-tuning with half of each batch stamped with label ${triggerLabel}'s recovered triggers` +
        (otherLabels.length > 0 ? ` and those of label${otherLabels.length === 1 ? '' : 's'} ${otherLabels.join(', ')} (the next smallest)` : '') +
        (label.verdict === 'backdoored' && label.detectedLabel === triggerLabel ? ' ' : ` (the smallest trigger; the repair runs whatever the verdict, ${label.verdict}) `) +
        `(the original model's answers on the unstamped samples as targets); kept epoch ${r.chosenEpoch}, the one the triggers fail on most within KL ${budget.divergence} of the original's answers on the hold-out (and ${(budget.repairAccuracy * 100).toFixed(0)} point(s) of its accuracy there), or else the closest: ` +
        `held-out accuracy ${(chosen.holdoutAcc * 100).toFixed(1)}%, recovered-trigger success ${(chosen.holdoutTriggerSuccess * 100).toFixed(1)}%.`,
    );
    return { repaired: { info: { triggerLabel, triggerSources: ['unlearned', 'original'], otherLabels, epochs: r.history, chosenEpoch: r.chosenEpoch, holdoutOriginalAcc: r.holdoutOriginalAcc }, weights } };
  },
};
