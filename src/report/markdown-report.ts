/**
 * A scan report as Markdown, for a pull request, an issue or an audit trail (issue #23: "export a self-contained HTML
 * and a Markdown report"). Pure text from the one ScanResult: the CLI writes it beside scan.json, the panel's
 * "Export report…" saves it. The images (trigger mask, pattern, stamped sample) are left to the HTML report: GitHub
 * strips data: URLs from Markdown, so embedding them would show broken images.
 */
import { maskSiteText } from './mask-site-name';
import type { DatasetInfo, Metrics, ScanResult } from '../engine/result';
import { prunedCounts } from './pruning';
import { thresholdText } from './threshold-text';
import { dismissedSignals, nextStep } from './verdict-advice';
import { labelText } from './class-label';
import { afterRowLabel } from './after-label';

/** Neural Cleanse's flag line (engine/evidence/mad.ts ANOMALY_FLAG): the report marks labels over it. */
const ANOMALY_FLAG = 2;

const pct = (v: number | null | undefined): string => (typeof v === 'number' && Number.isFinite(v) ? `${(v * 100).toFixed(1)} %` : '—');
const num = (v: number | null | undefined, digits: number): string => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : '—');
const baseName = (p: string): string => p.split(/[\\/]/).pop() || p;
/** A table cell: pipes and line breaks would end the cell or the row. */
const cell = (s: string): string => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
/** Inline code that stays code whatever the text holds (a backtick in a path). */
const code = (s: string): string => (s.includes('`') ? `\`\` ${s} \`\`` : `\`${s}\``);

function table(header: string[], rows: string[][]): string {
  return [`| ${header.map(cell).join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');
}

export function verdictHeadline(r: Pick<ScanResult, 'verdict' | 'detectedLabel' | 'classNames'>): string {
  if (r.verdict === 'backdoored') return r.detectedLabel === null ? 'Backdoored (target label unknown)' : `Backdoored: target label ${labelText(r.detectedLabel, r.classNames)}`;
  return r.verdict === 'clean' ? 'No backdoor found' : 'Inconclusive';
}

function setName(d: DatasetInfo | null): string {
  return d ? ` (${baseName(d.path)}, n = ${d.count})` : '';
}

function metricsRow(name: string, m: Metrics): string[] {
  return [name, pct(m.acc), pct(m.asr)];
}

export function markdownReport(r: ScanResult): string {
  const out: string[] = [];
  out.push(`# Backdoor scan of ${code(baseName(r.model))}: ${verdictHeadline(r)}`, '');
  const score = r.verdictScore
    ? `backdoor probability ${r.verdictScore.probability.toFixed(2)} (logistic model fitted on the zoo's train split)`
    : `verdict score ${Math.round(r.confidence * 100)} % (a heuristic, not a probability)`;
  out.push(`**${verdictHeadline(r)}**, ${score}.`, '');
  for (const e of r.evidence) out.push(`- ${e}`);
  if (r.evidence.length) out.push('');
  const dismissed = dismissedSignals(r, r.labelScores.filter((s) => typeof s.anomalyIndex === 'number' && s.anomalyIndex > ANOMALY_FLAG).map((s) => s.label));
  if (dismissed) out.push(dismissed, '');
  out.push(nextStep(r), '');

  out.push('## Accuracy', '');
  out.push(table(['model', `clean accuracy (ACC)${setName(r.data.cleanTest)}`, `attack success (ASR)${setName(r.data.poisonTest)}`], [metricsRow('original', r.before), metricsRow(afterRowLabel(r), r.after)]), '');
  if (!r.data.cleanTest || !r.data.poisonTest) out.push(`Not measured: ${[!r.data.cleanTest ? 'ACC (no clean test set given)' : '', !r.data.poisonTest ? 'ASR (no poisoned test set given)' : ''].filter(Boolean).join('; ')}.`, '');

  out.push('## Pruning', '');
  const counts = prunedCounts(r.layers, r.threshold);
  out.push(
    r.threshold < 0
      ? `Nothing pruned (${r.totalChannels} channels masked, threshold chosen from ${r.thresholdSource === 'fixed' ? 'the options' : 'clean data'}).`
      : `Threshold ${thresholdText(r.threshold)} (${r.thresholdSource === 'fixed' ? 'fixed by the options' : 'chosen from clean data'}): ${r.prunedCount} of ${r.totalChannels} channels pruned, masks on ${maskSiteText(r.maskSite)}.`,
    '',
  );
  if (r.layers.length) {
    out.push(
      table(
        ['layer', 'channels', 'pruned', 'lowest mask', 'mean mask'],
        r.layers.map((l, i) => [code(l.name), String(l.masks.length), String(counts.perLayer[i]), num(Math.min(...l.masks), 3), num(l.masks.reduce((a, b) => a + b, 0) / Math.max(1, l.masks.length), 3)]),
      ),
      '',
    );
  }

  if (r.labelScores.length || r.labelHistogram.length) {
    out.push('## Evidence per label', '');
    const candidate = r.verdictScore?.candidate ?? null;
    const total = r.labelHistogram.reduce((a, b) => a + b, 0);
    const labels = Math.max(r.labelScores.length, r.labelHistogram.length);
    const rows: string[][] = [];
    for (let label = 0; label < labels; label++) {
      const s = r.labelScores.find((x) => x.label === label);
      const share = s ? s.unlearnedShare : total > 0 ? (r.labelHistogram[label] ?? 0) / total : null;
      const marks = [label === r.detectedLabel ? 'detected' : '', label === candidate && label !== r.detectedLabel ? 'smallest trigger' : '', s && typeof s.anomalyIndex === 'number' && s.anomalyIndex > ANOMALY_FLAG ? 'over the flag line' : ''].filter(Boolean);
      rows.push([labelText(label, r.classNames), pct(share), num(s?.triggerNorm, 1), num(s?.anomalyIndex, 2), marks.join(', ')]);
    }
    out.push(table(['label', 'unlearned model predicts it', 'trigger mask L1', `anomaly index (flags > ${ANOMALY_FLAG})`, ''], rows), '');
  }

  if (r.trigger) {
    const t = r.trigger;
    out.push('## Recovered trigger', '');
    out.push(`Label ${labelText(t.label, r.classNames)}: mask L1 ${t.maskL1.toFixed(1)}; stamped on the defense data it sends ${pct(t.asrOnOriginal)} of the original model's answers to label ${t.label}. The images are in the HTML report.`);
    if (t.fromOriginal) out.push(`The same search on the original model from a blank start: mask L1 ${t.fromOriginal.maskL1.toFixed(1)}, attack success ${pct(t.fromOriginal.asrOnOriginal)}.`);
    out.push('');
  }

  if (r.repair) {
    const p = r.repair;
    const kept = p.epochs.find((e) => e.epoch === p.chosenEpoch);
    out.push('## Repair', '');
    out.push(
      `Fine-tuned with label ${p.triggerLabel}'s recovered triggers${p.otherLabels?.length ? ` (and labels ${p.otherLabels.join(', ')})` : ''} stamped at their true labels; epoch ${p.chosenEpoch} of ${Math.max(0, ...p.epochs.map((e) => e.epoch))} kept` +
        (kept ? `: hold-out accuracy ${pct(kept.holdoutAcc)}${p.holdoutOriginalAcc !== undefined ? ` (original ${pct(p.holdoutOriginalAcc)})` : ''}, trigger success ${pct(kept.holdoutTriggerSuccess)}, KL to the original ${kept.holdoutDivergence.toFixed(3)}.` : '.'),
      '',
    );
  }

  if (r.notes.length) {
    out.push('## How the scan ran', '');
    for (const n of r.notes) out.push(`- ${n}`);
    out.push('');
  }

  out.push('## Scan', '');
  const d = r.data;
  const dataRow = (role: string, x: DatasetInfo | null): string[] => [role, x ? code(x.path) : '—', x ? String(x.count) : '—', x ? x.shape.join('×') : '—'];
  out.push(table(['data', 'file', 'samples', 'shape'], [dataRow('defense (clean)', d.defense), dataRow('clean test', d.cleanTest), dataRow('poisoned test', d.poisonTest)]), '');
  out.push(`- Model: ${code(r.model)}, sha256 ${code(r.modelSha256)}, ${r.numClasses} classes${r.classNames && r.classNamesSource ? ` (names from ${code(r.classNamesSource)})` : ''}`);
  if (r.prunedModel) out.push(`- Exported model: ${code(r.prunedModel)}${r.prunedModelSha256 ? `, sha256 ${code(r.prunedModelSha256)}` : ''}`);
  out.push(`- ${r.tool.name} ${r.tool.version}, ${r.mode} mode, ${r.backend.name} backend (${r.backend.reason})`);
  const s = r.seconds;
  out.push(`- Time: ${s.total.toFixed(1)} s (load ${s.load.toFixed(1)}, unlearn ${s.unlearn.toFixed(1)}, recover ${s.recover.toFixed(1)}, prune ${s.prune.toFixed(1)}, evaluate ${s.evaluate.toFixed(1)}, evidence ${s.evidence.toFixed(1)}, repair ${s.repair.toFixed(1)})`);
  return out.join('\n') + '\n';
}
