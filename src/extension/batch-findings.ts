/**
 * What the extension shows of a batch ("Scan Folder for Backdoors"), free of the `vscode` module so it is tested
 * under plain Node: one Problems-panel entry per finding (backdoored: error RNP001, inconclusive: warning RNP002,
 * a model that could not be scanned: error RNP900; clean models: none) and a single scan's, the summary table's rows,
 * and the progress line of the notification.
 */
import type { BatchOutput, BatchProgress } from '../engine/jobs';
import type { ScanResult } from '../engine/result';
import { labelText } from '../report/class-label';
import { RULES } from '../engine/sarif';

export interface FindingDiagnostic {
  /** Absolute path of the model file. */
  file: string;
  severity: 'error' | 'warning';
  code: string;
  message: string;
}

export interface BatchTableRow {
  model: string;
  path: string;
  verdict: string;
  label: number | null;
  seconds: number;
  status: 'done' | 'error';
  /** Reused from an earlier run. */
  skipped: boolean;
  error: string | null;
  /** scan.json, for the row's "Open report". */
  resultPath: string | null;
}

const pct = (x: number) => `${Math.round(x * 100)}%`;

export function batchDiagnostics(out: BatchOutput): FindingDiagnostic[] {
  const diags: FindingDiagnostic[] = [];
  for (const e of out.entries) {
    const f = e.finding;
    if (e.row.status === 'error') {
      diags.push({ file: e.model.path, severity: 'error', code: RULES.scanError, message: `Could not scan for backdoors: ${e.row.error}` });
    } else {
      const d = verdictFinding(e.model.path, e.row.verdict, e.row.detectedLabel, f ? { confidence: f.confidence, evidence: f.evidence[0] ?? null } : null, null);
      if (d) diags.push(d);
    }
  }
  return diags;
}

/**
 * The finding of one verdict on its model file, for a batch row and a single scan alike: backdoored an error,
 * inconclusive a warning, anything else none. `report`: the confidence and first evidence line, when read.
 */
function verdictFinding(file: string, verdict: string | null, label: number | null, report: { confidence: number; evidence: string | null } | null, names: ScanResult['classNames']): FindingDiagnostic | null {
  const why = report?.evidence ? ` ${report.evidence}` : '';
  if (verdict === 'backdoored') {
    return { file, severity: 'error', code: RULES.backdoor, message: `Backdoor found: target label ${label === null ? 'unknown' : labelText(label, names)}${report ? ` (confidence ${pct(report.confidence)})` : ''}.${why}` };
  }
  if (verdict === 'inconclusive') {
    return { file, severity: 'warning', code: RULES.inconclusive, message: `Backdoor scan inconclusive${label !== null ? ` (suspected label ${labelText(label, names)})` : ''}: review the report.${why}` };
  }
  return null;
}

/** A single scan's finding on its model file (the same rules as a batch's; a clean model: none). */
export function scanDiagnostic(r: Pick<ScanResult, 'model' | 'verdict' | 'detectedLabel' | 'confidence' | 'evidence' | 'classNames'>): FindingDiagnostic | null {
  return verdictFinding(r.model, r.verdict, r.detectedLabel, { confidence: r.confidence, evidence: r.evidence[0] ?? null }, r.classNames);
}

export function batchTableRows(out: BatchOutput): BatchTableRow[] {
  return out.entries.map((e) => ({
    model: e.model.rel,
    path: e.model.path,
    verdict: e.row.verdict ?? 'error',
    label: e.row.detectedLabel,
    seconds: e.row.seconds,
    status: e.row.status,
    skipped: e.skipped,
    error: e.row.error,
    resultPath: e.resultPath,
  }));
}

export function formatEta(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return '';
  const t = Math.max(0, Math.round(s));
  return t < 60 ? `${t} s` : t < 3600 ? `${Math.floor(t / 60)} min ${t % 60} s` : `${Math.floor(t / 3600)} h ${Math.floor((t % 3600) / 60)} min`;
}

/** "3/5 models · ETA 1 min 20 s · sub/a.onnx: unlearn 2/20" */
export function batchProgressText(p: BatchProgress, eta: number | null, current: string | null, phase: string | null): string {
  const parts = [`${p.done}/${p.total} models`];
  const e = formatEta(eta);
  if (e) parts.push(`ETA ${e}`);
  if (current) parts.push(phase ? `${current}: ${phase}` : current);
  return parts.join(' · ');
}
