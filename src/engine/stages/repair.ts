/**
 * Stage `repair` (adaptive, model found backdoored, its triggers recovered): fine-tune the pruned model with
 * trigger-stamped samples at their true labels, pruned channels held at zero (rnp/repair.ts), the epoch kept chosen
 * on the hold-out. Enters with the pruned model, leaves the repaired one on the program.
 */
import { prune, withReplaced } from '../rnp/prune';
import { repair, REPAIR_DEFAULTS } from '../rnp/repair';
import { need, type Stage } from './context';

export const repairStage: Stage = {
  name: 'repair',
  phase: 'repair',
  run: async (ctx) => {
    const { program, graph } = ctx;
    const label = need(ctx, 'label');
    const recovered = ctx.state.triggerEvidence?.recovered;
    const holdout = ctx.state.holdout;
    // The plan says if-backdoored; the triggers must be the detected label's (the evidence may show another's).
    if (label.verdict !== 'backdoored' || !recovered || recovered.fromUnlearned.label !== label.detectedLabel || !holdout) return { repaired: null };
    const pr = need(ctx, 'pruned');
    const triggers = [recovered.fromUnlearned, recovered.fromOriginal].map((t) => ({ label: t.label, mask: t.mask, pattern: t.pattern, space: recovered.space }));
    const r = await repair(program, graph.initializers, need(ctx, 'trainSet'), holdout, pr.pruned.map((f) => f.map((p) => !p)), triggers, REPAIR_DEFAULTS, {
      rng: need(ctx, 'rng'),
      signal: ctx.hooks.signal,
      onRepairEpoch: (e, n) =>
        ctx.report('repair', e.epoch, n, `repairing epoch ${e.epoch}: held-out acc ${(e.holdoutAcc * 100).toFixed(1)}%, trigger success ${(e.holdoutTriggerSuccess * 100).toFixed(1)}%`, e.holdoutAcc),
    });
    // The pruned channels stay exactly zero: masks held them, and pruning the fine-tuned weights again makes sure.
    const tuned = program.readInitializers();
    const again = prune(withReplaced(graph.initializers, tuned), program.maskSites, need(ctx, 'masks'), need(ctx, 'threshold'));
    const weights = new Map([...tuned, ...again.replaced]);
    program.assign(withReplaced(graph.initializers, weights));
    const chosen = r.history.find((e) => e.epoch === r.chosenEpoch)!;
    ctx.notes.push(
      `Repair: ${r.history.length - 1} epochs of fine-tuning with half of each batch stamped with label ${label.detectedLabel}'s recovered triggers ` +
        `(the original model's answers on the unstamped samples as targets); kept epoch ${r.chosenEpoch}, the closest to the original on the hold-out among those the triggers fail on: ` +
        `held-out accuracy ${(chosen.holdoutAcc * 100).toFixed(1)}%, recovered-trigger success ${(chosen.holdoutTriggerSuccess * 100).toFixed(1)}%.`,
    );
    return { repaired: { info: { triggerLabel: label.detectedLabel as number, triggerSources: ['unlearned', 'original'], epochs: r.history, chosenEpoch: r.chosenEpoch }, weights } };
  },
};
