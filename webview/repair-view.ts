/**
 * The repair card: what the adaptive mode did after pruning (a short fine-tune with the recovered trigger stamped on
 * half of each batch at the samples' true labels), held-out accuracy and recovered-trigger success per repair epoch
 * as a line chart with the kept epoch marked, and that the export at the scan's threshold is this repaired model.
 */
import type { RepairInfo } from '../src/engine/result';
import { el } from './dom';
import { lineChart } from './chart-view';
import { percent } from './format';
import { thresholdText } from '../src/report/threshold-text';

/** Fine-tuning epochs run: epoch 0 in the history is the pruned model before any of them. */
export function repairEpochCount(repair: RepairInfo): number {
  return Math.max(0, ...repair.epochs.map((e) => e.epoch));
}

function sourcesText(sources: RepairInfo['triggerSources']): string {
  const names = sources.map((s) => (s === 'unlearned' ? 'the unlearned model' : 'the original model'));
  return names.length === 0 ? '' : ` (recovered from ${names.join(' and from ')})`;
}

/** The next-smallest labels' triggers stamped too (reports before they existed have none). */
function othersText(labels: readonly number[]): string {
  if (labels.length === 0) return '';
  return `, and the trigger${labels.length === 1 ? '' : 's'} of label${labels.length === 1 ? '' : 's'} ${labels.join(' and ')}, the next smallest,`;
}

export function repairSummary(repair: RepairInfo, prunedCount: number, threshold: number): string {
  const n = repairEpochCount(repair);
  const chosen = repair.epochs.find((e) => e.epoch === repair.chosenEpoch);
  const kept = chosen
    ? ` Epoch ${chosen.epoch} was kept${chosen.epoch === 0 ? ' (the model before fine-tuning: no fine-tuned epoch did better)' : ''}: held-out accuracy ${percent(chosen.holdoutAcc)}, recovered-trigger success ${percent(chosen.holdoutTriggerSuccess)}.`
    : ` Epoch ${repair.chosenEpoch} was kept.`;
  const start = threshold < 0 ? 'With no channel pruned, the model was fine-tuned' : `After pruning ${prunedCount} channel${prunedCount === 1 ? '' : 's'} the model was fine-tuned`;
  const exported =
    threshold < 0
      ? "The exported model at the scan's own choice (nothing pruned) is this repaired model; thresholds on the slider export prune-only models."
      : `The exported model at the scan's threshold (${thresholdText(threshold)}) is this repaired model; other thresholds export prune-only models.`;
  return (
    `${start} for ${n} epoch${n === 1 ? '' : 's'} with the recovered trigger of label ${repair.triggerLabel}${sourcesText(repair.triggerSources)}${othersText(repair.otherLabels ?? [])} ` +
    `stamped on half of each batch, at the samples' true labels${threshold < 0 ? '' : ', with the pruned channels held at zero'}.${kept} ` +
    exported
  );
}

export function repairCard(repair: RepairInfo, prunedCount: number, threshold: number): HTMLElement {
  const epochs = repair.epochs.map((e) => e.epoch);
  const chart = lineChart(
    'held-out accuracy and recovered-trigger success per repair epoch',
    [
      { name: 'held-out ACC', cssClass: 'acc', points: repair.epochs.map((e) => ({ x: e.epoch, y: e.holdoutAcc })) },
      { name: 'trigger success', cssClass: 'asr', points: repair.epochs.map((e) => ({ x: e.epoch, y: e.holdoutTriggerSuccess })) },
    ],
    [Math.min(0, ...epochs), Math.max(1, ...epochs)],
    'repair epoch (0 = pruned, before fine-tuning)',
  );
  chart.element.id = 'repair-chart';
  const chosen = repair.epochs.find((e) => e.epoch === repair.chosenEpoch);
  chart.mark(repair.chosenEpoch, chosen ? [chosen.holdoutAcc, chosen.holdoutTriggerSuccess] : []);
  return el(
    'section',
    { class: 'card', id: 'repair', 'data-chosen-epoch': repair.chosenEpoch },
    el('h2', {}, threshold < 0 ? 'Repair' : 'Repair after pruning'),
    el('p', { class: 'hint', id: 'repair-summary' }, repairSummary(repair, prunedCount, threshold)),
    chart.figure,
    el('p', { class: 'hint', id: 'repair-chosen' }, `Dashed line: the kept epoch (${repair.chosenEpoch}). Trigger success is the share of held-out samples the recovered trigger sends to label ${repair.triggerLabel}${(repair.otherLabels ?? []).length > 0 ? ' (the worst of the triggers stamped)' : ''}.`),
  );
}
