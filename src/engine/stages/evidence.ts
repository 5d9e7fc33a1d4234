/**
 * Stage `evidence`: the trigger search (evidence/trigger-evidence.ts): Neural Cleanse on every label of the original
 * model, then the candidate label's (the smallest trigger's) trigger recovered with the unlearned model. The numbers
 * only: the verdict stage reads them. Cached as a whole (the expensive part of a scan), so refitting the verdict
 * re-scores a zoo without searching again. Enters and leaves with the unlearned weights on the program.
 */
import { gatherTriggerEvidence, TRIGGER_DEFAULTS } from '../evidence/trigger-evidence';
import { Snapshot } from '../train/snapshot';
import type { Stage } from './context';

export const evidenceStage: Stage = {
  name: 'evidence',
  phase: 'evidence',
  run: async (ctx) => {
    const unlearned = new Snapshot(ctx.program);
    try {
      const ev = await gatherTriggerEvidence(ctx.program, ctx.graph.initializers, ctx.defense, TRIGGER_DEFAULTS, {
        signal: ctx.hooks.signal,
        onStep: (step, total, message) => ctx.report('evidence', step, total, message),
      });
      unlearned.restore();
      return { triggerEvidence: ev, trigger: ev.trigger };
    } finally {
      unlearned.dispose();
    }
  },
  skipped: () => ({ triggerEvidence: null, trigger: null }),
  cache: {
    // format 2: the sweep and the smallest trigger's label's recovery, no verdict (issue #20). format 3: the sweep's
    // labels searched in one batch (the same searches; float sums in another order).
    inputs: () => ({ config: TRIGGER_DEFAULTS, format: 3 }),
    save: (part) => part,
    load: (saved) => saved as never,
  },
};
