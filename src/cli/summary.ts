/**
 * The human-readable summary the CLI prints without --json.
 */
import { labelText } from '../report/class-label';
import type { Metrics, ScanResult } from '../engine/result';
import type { ScanPlan } from '../engine/plan';

const pct = (x: number | null) => (x === null ? '  n/a' : `${(x * 100).toFixed(1).padStart(5)}%`);
const row = (name: string, m: Metrics) => `  ${name.padEnd(7)} ACC ${pct(m.acc)}   ASR ${pct(m.asr)}`;

export function formatSummary(r: ScanResult, resultPath: string): string {
  const lines = [
    `verdict:        ${r.verdict.toUpperCase()}${r.detectedLabel !== null ? ` (target label ${labelText(r.detectedLabel, r.classNames)})` : ''}  confidence ${(r.confidence * 100).toFixed(0)}%`,
    `detected label: ${r.detectedLabel === null ? 'none' : labelText(r.detectedLabel, r.classNames)}`,
    ...r.evidence.map((e) => `  - ${e}`),
    r.prunedCount > 0 || r.threshold >= 0
      ? `pruned:         ${r.prunedCount} of ${r.totalChannels} channels at mask <= ${r.threshold} (${r.thresholdSource})`
      : r.repair
        ? `pruned:         nothing (label ${r.detectedLabel} came from the trigger norms alone); the model was repaired`
        : `pruned:         nothing (verdict ${r.verdict}); the model is unchanged`,
    ...(r.repair
      ? [`repaired:       ${r.repair.epochs.length - 1} epochs with label ${r.repair.triggerLabel}'s recovered triggers${r.repair.otherLabels?.length ? ` (and label ${r.repair.otherLabels.join(', ')}'s)` : ''} stamped; kept epoch ${r.repair.chosenEpoch}`]
      : []),
    row('before', r.before),
    row('after', r.after),
    `backend:        ${r.backend.name} (${r.backend.reason})`,
    `time:           ${r.seconds.total.toFixed(1)} s (unlearn ${r.seconds.unlearn.toFixed(1)} s, recover ${r.seconds.recover.toFixed(1)} s, evidence ${r.seconds.evidence.toFixed(1)} s, repair ${r.seconds.repair.toFixed(1)} s)`,
    ...r.notes.map((n) => `note: ${n}`),
    `result:         ${resultPath}`,
  ];
  if (r.prunedModel) lines.push(`${r.repair ? 'repaired model:' : 'pruned model:  '} ${r.prunedModel}`);
  return lines.join('\n');
}

/** `rnp-scan plan` (and the plan block of the summary): one line per stage, what runs and why. */
export function formatPlan(plan: ScanPlan): string {
  const mark = { always: 'runs        ', never: 'skipped     ', 'if-backdoored': 'if backdoored' } as const;
  const th = plan.threshold.kind === 'fixed' ? `fixed at ${plan.threshold.value}` : `chosen from clean data (accuracy budget ${plan.threshold.accuracyBudget}, target share ${plan.threshold.targetShare})`;
  return [
    `mode ${plan.mode}: ${plan.unlearning} unlearning; threshold ${th}; ${plan.holdout ? `${plan.holdout.samples} samples held out (${plan.holdout.fraction * 100}%)` : 'no hold-out'}`,
    ...plan.stages.map((s) => `  ${s.stage.padEnd(16)} ${mark[s.when]}  ${s.why}`),
  ].join('\n');
}
