/**
 * Renders a ScanResult into the panel: verdict header, label histogram and MAD chart, threshold slider with pruned
 * counts and the ACC/ASR curve, mask heatmaps, training curves, the trigger (unlearned beside original), the
 * suspicious-sample card, the repair (adaptive mode) and the export button, which says whether the slider's threshold
 * exports the repaired model or a prune-only one (src/report/export-choice.ts).
 */
import { maskLayerName } from '../src/report/mask-site-name';
import type { ScanResult, TriggerResult } from '../src/engine/result';
import type { WebviewToHost } from '../src/protocol';
import { custom, el } from './dom';
import { barChart, lineChart, madChart, type LineChart } from './chart-view';
import { samplesCard, type SamplesCard } from './samples-view';
import { heatmap } from './heatmap-view';
import { prunedCounts } from '../src/report/pruning';
import { thresholdText } from '../src/report/threshold-text';
import { labelText } from '../src/report/class-label';
import { gpuText } from '../src/report/gpu-adapter';
import { afterRowLabel } from '../src/report/after-label';
import { baseName, percent, prunedSummary, verdictText } from './format';
import { atScanThreshold, exportChoice, scanPrunedNothing, sliderThreshold } from '../src/report/export-choice';
import { shownMetrics } from './shown-metrics';
import { repairCard } from './repair-view';
import { planCard } from './plan-view';
import { dismissedSignals, nextStep } from '../src/report/verdict-advice';

export interface ReportView {
  element: HTMLElement;
  threshold(): number;
  setThreshold(t: number): void;
  /** `repaired`: the host says which model it wrote (undefined from an older host: no claim either way). */
  showExported(path: string, acc: number | null, asr: number | null, repaired?: boolean): void;
  /** The save dialog was closed: clear "Exporting…". */
  exportCancelled(): void;
  /** The report was saved as `path`. */
  reportSaved(path: string): void;
  showError(message: string): void;
  /** The suspicious-sample card of this report. */
  samples: SamplesCard;
}

/** Neural Cleanse's flag: an anomaly index over 2 (engine/evidence/mad.ts ANOMALY_FLAG). */
const ANOMALY_FLAG = 2;

function triggerFigure(id: string, heading: string, t: { maskL1: number; asrOnOriginal: number; maskPng: string; patternPng: string; stampedPng?: string; cleanPng?: string }): HTMLElement {
  // The pair of the same image first (what a reviewer recognises), then the mask and pattern it was made from.
  const images: [string, string][] = [];
  if (t.cleanPng && t.stampedPng) images.push(['clean sample', t.cleanPng]);
  if (t.stampedPng) images.push(['stamped', t.stampedPng]);
  images.push(['mask', t.maskPng], ['pattern', t.patternPng]);
  return el(
    'div',
    { class: 'trigger-source', id },
    el('h3', {}, heading),
    el('div', { class: 'trigger-images' }, ...images.map(([name, src]) => el('figure', {}, el('img', { src, alt: `${heading}: trigger ${name}` }), el('figcaption', {}, name)))),
    el(
      'p',
      { class: 'hint' },
      'mask L1 ',
      el('span', { class: 'trigger-l1', 'data-value': t.maskL1 }, t.maskL1.toFixed(1)),
      ' · attack success on the original model ',
      el('span', { class: 'trigger-asr', 'data-value': t.asrOnOriginal }, percent(t.asrOnOriginal)),
    ),
  );
}

/** `sweepNorm`: the label's trigger L1 in the all-labels search (the MAD chart's bar), named so the card's figures are not read as three answers to one question. */
function triggerBody(t: TriggerResult, sweepNorm: number | null, names: readonly string[] | null): HTMLElement {
  const o = t.fromOriginal;
  return el(
    'div',
    {},
    el('p', { class: 'hint', id: 'trigger-label' }, `Label ${labelText(t.label, names)}: the smallest mask and pattern that send other inputs to it, found by Neural Cleanse's optimisation.`),
    sweepNorm !== null
      ? el(
          'p',
          { class: 'hint', id: 'trigger-l1-sources' },
          `Mask L1 ${t.maskL1.toFixed(1)} is this trigger's. The label chart's ${sweepNorm.toFixed(1)} comes from the search over all labels on the original model, the one the labels are compared by.`,
        )
      : null,
    t.unlearnedSearch
      ? el(
          'p',
          { class: 'hint', id: 'trigger-unlearned-search' },
          `Searched on the unlearned model, then finished on the original model from there. The unlearned model's search alone: mask L1 ${t.unlearnedSearch.maskL1.toFixed(1)}, attack success on the original model ${percent(t.unlearnedSearch.asrOnOriginal)}.`,
        )
      : null,
    el(
      'div',
      { class: 'trigger-compare' },
      triggerFigure('trigger-unlearned', 'from the unlearned model', t),
      o ? triggerFigure('trigger-original', 'from the original model', o) : null,
    ),
    o
      ? el(
          'p',
          { class: 'hint', id: 'trigger-comparison' },
          o.maskL1 > 0
            ? `The mask found with the unlearned model is ${(t.maskL1 / o.maskL1).toFixed(2)}× the L1 of the original model's own (smaller = a cleaner trigger); attack success on the original model ${percent(t.asrOnOriginal)} vs ${percent(o.asrOnOriginal)}.`
            : `Attack success on the original model ${percent(t.asrOnOriginal)} vs ${percent(o.asrOnOriginal)}.`,
        )
      : null,
  );
}

export function reportView(r: ScanResult, post: (m: WebviewToHost) => void): ReportView {
  const root = el('main', { class: 'report' });

  // ── verdict ──
  const flagged = (r.labelScores ?? []).flatMap((x) => (typeof x.anomalyIndex === 'number' && x.anomalyIndex > ANOMALY_FLAG ? [x.label] : []));
  const dismissed = dismissedSignals(r, flagged);
  const verdict = el(
    'section',
    { class: `verdict verdict-${r.verdict}`, id: 'verdict' },
    el('h1', { id: 'verdict-title' }, verdictText(r.verdict, r.detectedLabel, r.classNames)),
    el(
      'p',
      { class: 'meta' },
      // The fitted verdict model's probability when there is one (what the verdict was decided by); else the rule's
      // score, which is not a probability and is not called one (issue #23 item 4).
      r.verdictScore
        ? custom('vscode-badge', { id: 'confidence', title: 'from a logistic model fitted on the zoo train split (see the last line of evidence)' }, `backdoor probability ${r.verdictScore.probability.toFixed(2)}`)
        : custom('vscode-badge', { id: 'confidence', title: 'a heuristic score of the evidence, not a calibrated probability' }, `verdict score ${percent(r.confidence, 0)}`),
      ` ${baseName(r.model)} · ${r.mode} mode · ${r.backend.name} backend${gpuText(r.backend.adapter)} · ${r.seconds.total.toFixed(1)} s`,
    ),
    el('ul', { class: 'evidence', id: 'evidence' }, ...r.evidence.map((e) => el('li', {}, e))),
    dismissed ? el('p', { id: 'verdict-dismissed' }, dismissed) : null,
    el('p', { id: 'verdict-next', class: 'hint' }, nextStep(r)),
    // How the scan ran (unlearning stops, thresholds, repair epochs): for whoever checks the work, folded by default
    // so the verdict reads first.
    r.notes.length
      ? el('details', { class: 'notes', id: 'notes' }, el('summary', {}, `How the scan ran (${r.notes.length} note${r.notes.length === 1 ? '' : 's'})`), ...r.notes.map((n) => el('p', { class: 'note' }, n)))
      : null,
  );
  const setName = (d: { path: string; count: number } | null) => (d ? ` on ${baseName(d.path)}, n = ${d.count}` : '');
  const metrics = el(
    'table',
    { class: 'metrics', id: 'metrics' },
    el('tr', {}, el('th', {}, ''), el('th', {}, `clean accuracy (ACC)${setName(r.data.cleanTest)}`), el('th', {}, `attack success (ASR)${setName(r.data.poisonTest)}`)),
    el('tr', {}, el('th', {}, 'original'), el('td', {}, percent(r.before.acc)), el('td', {}, percent(r.before.asr))),
    el('tr', { id: 'metrics-after' }, el('th', {}, afterRowLabel(r)), el('td', {}, percent(r.after.acc)), el('td', {}, percent(r.after.asr))),
  );
  const histogram = el(
    'section',
    { class: 'card', id: 'histogram' },
    el('h2', {}, 'Predictions of the unlearned model'),
    el('p', { class: 'hint' }, 'Unlearning destroys clean accuracy; a backdoored model then tends to predict its target label for most inputs.'),
    barChart('prediction histogram of the unlearned model', r.labelHistogram, r.detectedLabel, r.classNames),
  );
  // Older results and scans without trigger recovery have no anomaly indices: no chart then.
  const anomaly = (r.labelScores ?? []).map((s) => s.anomalyIndex);
  const hasMad = anomaly.length > 0 && anomaly.every((a): a is number => typeof a === 'number' && Number.isFinite(a));
  const mad = hasMad
    ? el(
        'section',
        { class: 'card', id: 'mad' },
        el('h2', {}, 'Trigger-size outliers (MAD)'),
        el('p', { class: 'hint' }, `Per label, how much smaller its reverse-engineered trigger is than the median label's, in robust standard deviations (Neural Cleanse); over ${ANOMALY_FLAG} flags a backdoor target.`),
        madChart('anomaly index per label', anomaly as number[], ANOMALY_FLAG, r.detectedLabel, r.classNames),
      )
    : null;

  // ── threshold, pruned counts, ACC/ASR curve ──
  const slider = el('input', { type: 'range', min: 0, max: 1, step: 'any', id: 'threshold', 'aria-label': 'pruning threshold' });
  // step 'any': the adaptive mode's threshold (e.g. 0.3960) must be exactly selectable, not snapped to 0.40.
  // A scan that pruned nothing has threshold -1: the slider starts at its low end, the readout says "none".
  slider.value = String(Math.max(0, r.threshold));
  const thresholdValue = el('output', { id: 'threshold-value' });
  const prunedTotal = el('span', { id: 'pruned-total' });
  const curvePoint = el('p', { id: 'curve-point', class: 'hint' });
  const resetButton = custom('vscode-button', { id: 'threshold-reset', secondary: '', hidden: '' }, scanPrunedNothing(r) ? 'Back to the scan (nothing pruned)' : `Back to the scan's threshold ${thresholdText(r.threshold)}`);
  resetButton.addEventListener('click', () => setThreshold(r.threshold));
  const hasCurve = r.curve.some((p) => p.acc !== null || p.asr !== null);
  let curveChart: LineChart | null = null;
  if (hasCurve) {
    const xs = r.curve.map((p) => p.threshold);
    curveChart = lineChart(
      'clean accuracy and attack success against the pruning threshold',
      [
        { name: 'ACC', cssClass: 'acc', points: r.curve.map((p) => ({ x: p.threshold, y: p.acc })) },
        { name: 'ASR', cssClass: 'asr', points: r.curve.map((p) => ({ x: p.threshold, y: p.asr })) },
      ],
      [Math.min(...xs), Math.max(...xs)],
      'pruning threshold',
      // The original model, for reference: where each curve starts from, and what the repaired point is against.
      [
        ...(r.before.acc !== null ? [{ name: `original ACC ${percent(r.before.acc)}`, cssClass: 'acc', y: r.before.acc }] : []),
        ...(r.before.asr !== null ? [{ name: `original ASR ${percent(r.before.asr)}`, cssClass: 'asr', y: r.before.asr }] : []),
      ],
    );
  }
  const thresholdCard = el(
    'section',
    { class: 'card', id: 'threshold-card' },
    el('h2', {}, 'Pruning threshold'),
    el(
      'p',
      { class: 'hint', id: 'threshold-source' },
      scanPrunedNothing(r)
        ? r.thresholdSource === 'clean-data'
          ? `The scan pruned nothing: no channel could be pruned within the clean-accuracy budget on the hold-out (${r.thresholdCandidates?.length ?? 0} thresholds tried)` +
            (r.repair ? '; the repair fine-tuned the model against the recovered trigger (see Repair).' : '.') +
            ' Move the slider to see what a threshold would prune; the curve measures each threshold prune-only.'
          : r.repair
          ? `The scan pruned nothing: label ${r.detectedLabel} came from the trigger norms, and the unlearned model gives it too small a share of the clean data for pruning to go by; the repair removed the backdoor (see Repair). Move the slider to see what a threshold would prune; the curve measures each threshold prune-only.`
          : `The scan pruned nothing: the verdict is ${r.verdict}, and only a model found backdoored is pruned. Move the slider to see what a threshold would prune; the curve measures each threshold prune-only.`
        : r.thresholdSource === 'clean-data'
        ? `The scan chose ${thresholdText(r.threshold)} from clean data, whatever the verdict: as far in mask order as the original model keeps its hold-out accuracy within the budget, and no further than where the unlearned model lets go of a named label (${r.thresholdCandidates?.length ?? 0} thresholds tried). Move the slider to see what another threshold prunes.`
        : r.thresholdSource === 'target-share'
        ? `The scan chose ${thresholdText(r.threshold)} from clean data: where the unlearned model stops preferring the suspected target label (${r.thresholdCandidates?.length ?? 0} thresholds tried). Move the slider to see what another threshold prunes.`
        : `The scan pruned at the fixed threshold ${thresholdText(r.threshold)}. Move the slider to see what another threshold prunes.`,
    ),
    el('label', { class: 'slider' }, slider, thresholdValue),
    el('p', {}, prunedTotal, ' ', resetButton),
    curveChart ? curveChart.figure : el('p', { class: 'hint', id: 'no-curve' }, 'No ACC/ASR curve: give a clean and/or poisoned test set (settings rnp.cleanTest, rnp.poisonTest) and scan again.'),
    curvePoint,
  );

  // ── heatmaps ──
  const map = heatmap(r.layers);
  const heatmapCard = el(
    'section',
    { class: 'card', id: 'heatmaps' },
    el('h2', {}, `Recovered masks (${r.layers.length} layer${r.layers.length === 1 ? '' : 's'}, ${maskLayerName(r.maskSite)} channels)`),
    el('p', { class: 'hint' }, 'Each cell is a channel, coloured by its recovered mask: strong red near 0 (what pruning removes), faint blue near 1. Hover a cell for its layer, channel and mask.'),
    map.element,
  );

  // ── training curves ──
  const epochs = (h: { epoch: number; acc: number }[]) => h.map((s) => ({ x: s.epoch, y: s.acc }));
  const allEpochs = [...r.unlearnHistory, ...r.recoverHistory].map((s) => s.epoch);
  const training = el(
    'section',
    { class: 'card', id: 'training' },
    el('h2', {}, 'Training accuracy on the defense data'),
    r.unlearnHistory.length + r.recoverHistory.length > 0
      ? lineChart(
          'accuracy per epoch while unlearning and recovering',
          [
            { name: 'unlearning', cssClass: 'unlearn', points: epochs(r.unlearnHistory) },
            { name: 'recovering', cssClass: 'recover', points: epochs(r.recoverHistory) },
          ],
          [Math.min(1, ...allEpochs), Math.max(1, ...allEpochs)],
          'epoch',
        ).figure
      : el('p', { class: 'hint' }, 'No epochs ran.'),
  );

  // ── trigger and suspicious samples ──
  const t = r.trigger;
  const trigger = el(
    'section',
    { class: 'card', id: 'trigger' },
    el('h2', {}, 'Recovered trigger'),
    t
      ? triggerBody(t, r.labelScores.find((s) => s.label === t.label)?.triggerNorm ?? null, r.classNames ?? null)
      : el('p', { class: 'hint', id: 'trigger-empty' }, 'The reverse-engineered trigger (mask, pattern and a stamped defense image) will appear here. It was not computed for this scan: enable the setting "rnp.trigger" and scan again.'),
  );
  const samples = samplesCard(post);

  // ── repair and export ──
  const repair = r.repair ? repairCard(r.repair, r.prunedCount, r.threshold) : null;
  const exportButton = custom('vscode-button', { id: 'export' }, 'Export pruned model');
  const exportKind = el('p', { id: 'export-kind' });
  const exportStatus = el('p', { id: 'export-status', class: 'hint' });
  exportButton.addEventListener('click', () => {
    // A disabled vscode-button can still deliver a programmatic or keyboard click: the rule decides, not the styling.
    if (!exportChoice(r, current, prunedCounts(r.layers, current).total).enabled) return;
    exportStatus.textContent = `Exporting at threshold ${thresholdText(current)}…`;
    exportStatus.className = 'hint';
    delete exportStatus.dataset.path;
    exportStatus.dataset.threshold = String(current);
    post({ type: 'export', threshold: current });
  });
  // The report itself, for a pull request or an audit: the host asks where and in which format (HTML or Markdown).
  const saveButton = custom('vscode-button', { id: 'export-report', secondary: '' }, 'Save report (HTML or Markdown)…');
  const saveStatus = el('p', { id: 'report-status', class: 'hint' });
  saveButton.addEventListener('click', () => post({ type: 'saveReport' }));
  const exportCard = el('section', { class: 'card', id: 'export-card' }, el('h2', {}, 'Export'), exportKind, exportButton, exportStatus, el('div', { class: 'export-report' }, saveButton, saveStatus));

  // The MAD chart sits next to the label histogram (two signals of the same question); the threshold card then
  // gets its own row.
  const top = mad ? [el('div', { class: 'columns' }, histogram, mad), thresholdCard] : [el('div', { class: 'columns' }, histogram, thresholdCard)];
  const exportRow = repair ? el('div', { class: 'columns' }, repair, exportCard) : exportCard;
  const plan = planCard(r);
  // The recovered trigger is the evidence a reviewer can see, so it comes right after the verdict and its numbers.
  root.append(verdict, metrics, trigger, ...top, heatmapCard, exportRow, training, samples.element, ...(plan ? [plan] : []));

  let current = r.threshold;
  const apply = (th: number) => {
    current = th;
    const counts = prunedCounts(r.layers, th);
    thresholdValue.textContent = th < 0 ? 'none' : thresholdText(th);
    prunedTotal.textContent = prunedSummary(counts.total, counts.totalChannels);
    map.setThreshold(th, counts.perLayer);
    const shown = shownMetrics(r, th);
    curvePoint.textContent = shown?.text ?? '';
    curvePoint.dataset.source = shown?.source ?? '';
    if (curveChart) curveChart.mark(shown?.markAt ?? null, shown ? [shown.metrics.acc, shown.metrics.asr] : []);
    const choice = exportChoice(r, th, counts.total);
    exportKind.textContent = choice.description;
    exportKind.className = choice.enabled ? 'hint' : 'hint export-disabled';
    exportKind.dataset.kind = choice.kind;
    exportButton.textContent = choice.button;
    exportButton.toggleAttribute('disabled', !choice.enabled);
    resetButton.toggleAttribute('hidden', atScanThreshold(r, th));
    // What a screen reader says for the slider: the threshold and what it prunes, not a 15-digit float.
    slider.setAttribute('aria-valuetext', `threshold ${th < 0 ? 'none' : thresholdText(th)}: ${prunedSummary(counts.total, counts.totalChannels)}`);
    // An "Exported …" line speaks of the threshold it was written at: a stale one would claim another file.
    if (exportStatus.dataset.threshold !== undefined && exportStatus.dataset.threshold !== String(th)) {
      exportStatus.textContent = '';
      exportStatus.className = 'hint';
      delete exportStatus.dataset.threshold;
      delete exportStatus.dataset.path;
    }
  };
  const setThreshold = (th: number) => {
    slider.value = String(Math.max(0, th));
    apply(th);
  };
  slider.addEventListener('input', () => apply(sliderThreshold(r, Number(slider.value))));
  apply(r.threshold);

  return {
    element: root,
    samples,
    threshold: () => current,
    setThreshold,
    showExported(path, acc, asr, repaired) {
      exportStatus.className = 'hint exported';
      const what = repaired === undefined ? '' : repaired ? 'the repaired model to ' : 'a prune-only model to ';
      exportStatus.textContent = `Exported ${what}${path} — ACC ${percent(acc)}, ASR ${percent(asr)}`;
      exportStatus.dataset.kind = repaired === undefined ? '' : repaired ? 'repaired' : 'prune-only';
      exportStatus.dataset.path = path;
      exportStatus.dataset.acc = acc === null ? '' : String(acc);
      exportStatus.dataset.asr = asr === null ? '' : String(asr);
      if (exportStatus.dataset.threshold === undefined) exportStatus.dataset.threshold = String(current);
    },
    reportSaved(path) {
      saveStatus.textContent = `Report saved to ${path}`;
      saveStatus.dataset.path = path;
    },
    showError(message) {
      exportStatus.className = 'hint error';
      exportStatus.textContent = message;
    },
    exportCancelled() {
      exportStatus.textContent = '';
      exportStatus.className = 'hint';
      delete exportStatus.dataset.threshold;
    },
  };
}
