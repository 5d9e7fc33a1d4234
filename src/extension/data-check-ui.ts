/**
 * The defense-data check in VS Code: run in a worker under a cancellable notification, then told to the user. Before
 * a scan with a freshly picked file (data-choice.ts DataVetter) a warning is a modal question, Scan Anyway or Choose
 * Other Data, because minutes of scanning hang on it; a clean check is a status-bar line. "Check Defense Data…"
 * (rnp.checkDefenseData) shows the same check on request, as a notification with its details in the output channel.
 */
import * as vscode from 'vscode';
import * as path from 'node:path';
import { dataCheckSummary, type DataCheck } from '../engine/data-check';
import { WorkerFailure, type WorkerJob } from './worker-client';
import type { DataDecision } from './data-choice';

export type CheckOutcome = { ok: true; check: DataCheck } | { ok: false; cancelled: boolean; message: string };

/** Runs the check job under a notification with Cancel; never throws (a failure is the outcome's message). */
export async function runDataCheck(model: string, data: string, start: () => WorkerJob<DataCheck>): Promise<CheckOutcome> {
  const title = `Checking ${path.basename(data)} against ${path.basename(model)}`;
  try {
    const check = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (_p, token) => {
      const job = start();
      token.onCancellationRequested(() => job.cancel());
      return job.done;
    });
    return { ok: true, check };
  } catch (e) {
    if (e instanceof WorkerFailure) return { ok: false, cancelled: e.kind === 'cancelled', message: e.message };
    return { ok: false, cancelled: false, message: (e as Error).message ?? String(e) };
  }
}

export const warningsOf = (c: DataCheck) => c.findings.filter((f) => f.level === 'warning');

const SCAN_ANYWAY = 'Scan Anyway';
const CHOOSE_OTHER = 'Choose Other Data';

/** Before a scan: what the user decides about the file just picked. */
export async function decideOnDataCheck(outcome: CheckOutcome, data: string): Promise<DataDecision> {
  if (!outcome.ok) {
    if (outcome.cancelled) return undefined;
    const a = await vscode.window.showErrorMessage(`${path.basename(data)} cannot be the defense data of this model`, { modal: true, detail: outcome.message }, CHOOSE_OTHER);
    return a === CHOOSE_OTHER ? 'other' : undefined;
  }
  const warnings = warningsOf(outcome.check);
  if (warnings.length === 0) {
    vscode.window.setStatusBarMessage(`$(check) Defense data: ${dataCheckSummary(outcome.check)}`, 15_000);
    return 'use';
  }
  const a = await vscode.window.showWarningMessage(
    `${path.basename(data)}: ${dataCheckSummary(outcome.check)}. ${warnings.length === 1 ? 'One problem' : `${warnings.length} problems`} may make the scan weak or meaningless.`,
    { modal: true, detail: warnings.map((w) => w.text).join('\n\n') },
    SCAN_ANYWAY,
    CHOOSE_OTHER,
  );
  return a === SCAN_ANYWAY ? 'use' : a === CHOOSE_OTHER ? 'other' : undefined;
}

/** On request: a notification (not modal: nothing waits on it), the details in the output channel. */
export function showDataCheck(outcome: CheckOutcome, data: string, out: vscode.OutputChannel): void {
  if (!outcome.ok) {
    if (!outcome.cancelled) void vscode.window.showErrorMessage(outcome.message);
    return;
  }
  const warnings = warningsOf(outcome.check);
  const head = `${path.basename(data)}: ${dataCheckSummary(outcome.check)}.`;
  const show = (a: string | undefined) => a && out.show(true);
  if (warnings.length === 0) void vscode.window.showInformationMessage(`${head} ${outcome.check.findings.map((f) => f.text).join(' ')}`, 'Show Details').then(show);
  else void vscode.window.showWarningMessage(`${head} ${warnings[0]!.text}${warnings.length > 1 ? ` (+${warnings.length - 1} more)` : ''}`, 'Show Details').then(show);
}
