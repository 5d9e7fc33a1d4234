/**
 * Stage `prune`: RNP step 3 on the *original* model (rnp/prune.ts) at the selected threshold, and, with a hold-out,
 * what that pruning costs in held-out clean accuracy (a note). Leaves the pruned model on the program.
 */
import { prune, withReplaced } from '../rnp/prune';
import { accuracy } from '../rnp/evaluate';
import { need, type Stage } from './context';

export const pruneStage: Stage = {
  name: 'prune',
  phase: 'prune',
  run: async (ctx) => {
    const { program, graph } = ctx;
    program.assign(graph.initializers);
    ctx.report('prune', 0, 0, 'pruning and evaluating');
    const pr = prune(graph.initializers, program.maskSites, need(ctx, 'masks'), need(ctx, 'threshold'));
    const holdout = ctx.state.holdout;
    if (holdout && pr.count > 0) {
      const heldBefore = (await accuracy(program, holdout))!;
      program.assign(withReplaced(graph.initializers, pr.replaced));
      const heldAfter = (await accuracy(program, holdout))!;
      const tol = ctx.o.accuracyTolerance;
      ctx.notes.push(
        `Pruning ${pr.count} channels changes held-out clean accuracy (${holdout.count} samples) from ${(heldBefore * 100).toFixed(1)}% to ${(heldAfter * 100).toFixed(1)}%` +
          (heldBefore - heldAfter > tol && !ctx.o.repair
            ? `: removing the backdoor costs more than ${(tol * 100).toFixed(0)} points on this model; see the curve for the trade-off.`
            : '.'),
      );
    }
    program.assign(withReplaced(graph.initializers, pr.replaced));
    return { pruned: pr };
  },
};
