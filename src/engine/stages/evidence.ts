/**
 * Stage `evidence`: the verdict's signals. With the trigger search (evidence/trigger-evidence.ts): Neural Cleanse on
 * every label of the original model, the verdict from those norms and the unlearned model's histogram, and the
 * detected label's trigger recovered with the unlearned model. Without it, the verdict from the histogram alone
 * (evidence/label.ts). Enters and leaves with the unlearned weights on the program.
 */
import { decideLabel } from '../evidence/label';
import { gatherTriggerEvidence, labelScoresOf, TRIGGER_DEFAULTS } from '../evidence/trigger-evidence';
import { Snapshot } from '../train/snapshot';
import { need, type ScanContext, type ScanState, type Stage } from './context';

/** The verdict without the trigger search: the plan's `never` for this stage still decides a label. */
export function histogramVerdict(ctx: ScanContext): Partial<ScanState> {
  const labelHistogram = need(ctx, 'labelHistogram');
  const labelScores = labelScoresOf(labelHistogram, null);
  return { triggerEvidence: null, labelScores, label: decideLabel(labelHistogram, labelScores), trigger: null };
}

export const evidenceStage: Stage = {
  name: 'evidence',
  phase: 'evidence',
  run: async (ctx) => {
    const unlearned = new Snapshot(ctx.program);
    try {
      const ev = await gatherTriggerEvidence(ctx.program, ctx.graph.initializers, ctx.defense, need(ctx, 'labelHistogram'), TRIGGER_DEFAULTS, {
        signal: ctx.hooks.signal,
        onStep: (step, total, message) => ctx.report('evidence', step, total, message),
      });
      unlearned.restore();
      return { triggerEvidence: ev, labelScores: ev.labelScores, label: ev.verdict, trigger: ev.trigger };
    } finally {
      unlearned.dispose();
    }
  },
  skipped: histogramVerdict,
  cache: {
    inputs: () => ({ config: TRIGGER_DEFAULTS }),
    save: (part) => part,
    load: (saved) => saved as Partial<ScanState>,
  },
};
