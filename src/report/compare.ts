/**
 * Two scans of a model side by side (the panel's "Compare"): one row per thing a user compares — what was scanned
 * (the model file, the data, the mode and every option that differs), what was found (verdict, label, threshold,
 * pruned channels per layer) and what it did (clean accuracy and attack success before and after) — each row
 * marked where the two differ. Pure, shared by the webview and tests, so the table is computed once.
 */
import type { ScanResult } from '../engine/result';
import { prunedCounts } from './pruning';

export interface CompareRow {
  /** What the row is, e.g. "Clean accuracy after". */
  label: string;
  /** Section it belongs to, for the table's group headings. */
  group: 'scan' | 'finding' | 'effect' | 'layers';
  a: string;
  b: string;
  differs: boolean;
}

const pct = (v: number | null) => (v === null ? 'not measured' : `${(v * 100).toFixed(1)} %`);
const label = (v: number | null) => (v === null ? 'none' : String(v));
const data = (d: ScanResult['data']['defense'] | null) => (d ? `${baseName(d.path)} (${d.count} × ${d.shape.join('×')})` : 'none');

function baseName(p: string): string {
  return p.split(/[\\/]/).pop() || p;
}

/** A JSON-able option value in words (arrays and objects as compact JSON). */
function optionText(v: unknown): string {
  if (v === undefined) return 'unset';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export function compareScans(a: ScanResult, b: ScanResult): CompareRow[] {
  const rows: CompareRow[] = [];
  const add = (group: CompareRow['group'], lbl: string, x: string, y: string) => rows.push({ group, label: lbl, a: x, b: y, differs: x !== y });
  add('scan', 'Model file', baseName(a.model), baseName(b.model));
  add('scan', 'Model contents (sha256)', a.modelSha256.slice(0, 12), b.modelSha256.slice(0, 12));
  add('scan', 'Mode', a.mode, b.mode);
  add('scan', 'Tool version', a.tool.version, b.tool.version);
  add('scan', 'Defense data', data(a.data.defense), data(b.data.defense));
  add('scan', 'Clean test set', data(a.data.cleanTest), data(b.data.cleanTest));
  add('scan', 'Poisoned test set', data(a.data.poisonTest), data(b.data.poisonTest));
  const ao = a.options as unknown as Record<string, unknown>;
  const bo = b.options as unknown as Record<string, unknown>;
  for (const k of [...new Set([...Object.keys(ao), ...Object.keys(bo)])].sort()) {
    const x = optionText(ao[k]);
    const y = optionText(bo[k]);
    // Only the options that differ: the mode's defaults are long, and equal ones say nothing here.
    if (x !== y && k !== 'mode') add('scan', `Option ${k}`, x, y);
  }
  add('finding', 'Verdict', a.verdict, b.verdict);
  add('finding', 'Detected label', label(a.detectedLabel), label(b.detectedLabel));
  add('finding', 'Pruning threshold', a.threshold < 0 ? 'nothing pruned' : a.threshold.toFixed(3), b.threshold < 0 ? 'nothing pruned' : b.threshold.toFixed(3));
  add('finding', 'Pruned channels', `${a.prunedCount} of ${a.totalChannels}`, `${b.prunedCount} of ${b.totalChannels}`);
  add('finding', 'Recovered trigger', a.trigger ? `label ${a.trigger.label}, mask L1 ${a.trigger.maskL1.toFixed(1)}` : 'none', b.trigger ? `label ${b.trigger.label}, mask L1 ${b.trigger.maskL1.toFixed(1)}` : 'none');
  add('finding', 'Repair', a.repair ? `epoch ${a.repair.chosenEpoch} kept` : 'none', b.repair ? `epoch ${b.repair.chosenEpoch} kept` : 'none');
  add('effect', 'Clean accuracy before', pct(a.before.acc), pct(b.before.acc));
  add('effect', 'Clean accuracy after', pct(a.after.acc), pct(b.after.acc));
  add('effect', 'Attack success before', pct(a.before.asr), pct(b.before.asr));
  add('effect', 'Attack success after', pct(a.after.asr), pct(b.after.asr));
  add('effect', 'Scan time', `${a.seconds.total.toFixed(1)} s`, `${b.seconds.total.toFixed(1)} s`);
  // Per layer, by name (the same model gives the same layers; another file may not have them all).
  const ca = prunedCounts(a.layers, a.threshold).perLayer;
  const cb = prunedCounts(b.layers, b.threshold).perLayer;
  const byName = new Map<string, { a?: string; b?: string }>();
  a.layers.forEach((l, i) => byName.set(l.name, { a: `${ca[i]} of ${l.masks.length}` }));
  b.layers.forEach((l, i) => byName.set(l.name, { ...byName.get(l.name), b: `${cb[i]} of ${l.masks.length}` }));
  for (const [name, v] of byName) add('layers', `Pruned in ${name}`, v.a ?? 'no such layer', v.b ?? 'no such layer');
  return rows;
}
