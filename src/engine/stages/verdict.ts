/**
 * Stage `verdict`: what the report says. With the trigger sweep, the fitted statistics of evidence/verdict-model.ts
 * (backdoored / clean / inconclusive, and the label or "unknown"); without it, RNP's Algorithm 1 on the unlearned
 * model's histogram (evidence/label.ts). Cheap and never cached: refitting the weights re-scores a cached zoo. The
 * adaptive defense does not wait for it (plan.ts): select, prune and repair run whatever it says.
 */
import { decideLabel } from '../evidence/label';
import { labelScoresOf } from '../evidence/trigger-evidence';
import { decideByStatistics } from '../evidence/verdict-model';
import { need, type Stage } from './context';

export const verdictStage: Stage = {
  name: 'verdict',
  phase: 'evidence',
  run: async (ctx) => {
    const histogram = need(ctx, 'labelHistogram');
    const ev = ctx.state.triggerEvidence ?? null;
    const labelScores = labelScoresOf(histogram, ev?.sweep ?? null);
    if (!ev) return { labelScores, label: decideLabel(histogram) };
    const v = decideByStatistics(labelScores);
    return {
      labelScores,
      label: { verdict: v.verdict, detectedLabel: v.detectedLabel, confidence: v.confidence, evidence: v.evidence, probability: v.probability, candidate: v.candidate },
      verdictFeatures: v.features,
    };
  },
};
