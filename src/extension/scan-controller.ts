/**
 * Runs scans, exports and sample rankings (with the export of their flagged indices) for the commands and the panel: one worker job at a time, progress in a cancellable
 * notification (and in the panel), every failure turned into a message (engine errors as "FILE: message", crashes
 * with the worker's stderr in the output channel) so the extension stays usable.
 */
import { confirmScanIfUntrusted } from './trust';
import * as vscode from 'vscode';
import * as path from 'node:path';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { Progress } from '../protocol';
import type { ScanResult } from '../engine/result';
import { liveWorkerPids, startBatch, startDataCheck, startExport, startSamples, startScan, startSummary, WorkerFailure, type BatchDone, type ExportDone, type JobOptions, type SamplesDone, type ScanDone, type WorkerJob } from './worker-client';
import { batchDiagnostics, batchProgressText, batchTableRows, scanDiagnostic, type BatchTableRow, type FindingDiagnostic } from './batch-findings';
import { offerIgnoreHint } from './ignore-hint';
import { BatchPanel } from './batch-panel';
import { scanOptionsFromSettings, userSetting, workerLimitsFromSettings } from './settings';
import { chooseData, chooseDefenseData, labelsSetting, pickDefenseData, pickInspectDataset, pickModel, type DataVetter } from './data-choice';
import { decideOnDataCheck, runDataCheck, showDataCheck, type CheckOutcome } from './data-check-ui';
import { defaultFlaggedPath, flaggedSamples, GRID_CAP, samplesReport, writeFlaggedSamples, type SamplesRun } from './samples-report';
import { defaultExportPath, isSameFile } from './data-candidates';
import { ReportPanel, type PanelHandlers } from './report-panel';
import { LoopDelayMonitor } from './diagnostics';
// The panel's export rule and wording, shared with it in src/report/ (pure, no DOM), so host and panel never disagree.
import { thresholdText } from '../report/threshold-text';
import { etaText, stepText } from '../report/progress-text';
import { exportChoice } from '../report/export-choice';
import { prunedCounts } from '../report/pruning';
import { compareScans } from '../report/compare';
import { readScanResult, scanHistory } from '../engine/scan-history';
import { scanRunDir } from '../engine/output-paths';
import type { VerdictDecorations } from './verdict-decorations';
import type { VerdictStatus } from './verdict-status';
import { saveReport } from './report-save';
import type { ModelSummary } from '../engine/model-summary';
import { dataCheckText, type DataCheck } from '../engine/data-check';

const LAST_RESULT_KEY = 'rnp.lastResultPath';

/** Which job failed, so the failure goes where it belongs: a scan's over the report, an export's beside its button. */
type JobContext = 'scan' | 'samples' | 'batch';

/** The notification's line: the step and the ETA (the percentage is the notification's own bar). */
export function progressText(p: Progress): string {
  return [stepText(p), etaText(p)].filter(Boolean).join(' · ');
}

export class ScanController implements PanelHandlers {
  private job: WorkerJob<unknown> | undefined;
  readonly loop = new LoopDelayMonitor();
  private lastOutcome: string | null = null;
  /** The files of the last scan started (diagnostics: which data the choice resolved to). */
  /** Milliseconds from rnp.cancel / the notification's Cancel reaching the host to the worker's exit. */
  private lastCancelMs: number | null = null;
  private lastRequest: { model: string; data: string; cleanTest?: string; poisonTest?: string } | null = null;
  /** The last defense-data check that finished (diagnostics). */
  private lastDataCheck: DataCheck | null = null;
  /** The last sample ranking, whole (the panel holds only its first tiles): the flagged-indices export reads it. */
  private samplesRun: SamplesRun | undefined;
  private lastSamplesExport: string | null = null;
  /** "Scan Folder for Backdoors": its findings on the model files (Problems panel), and the last run for diagnostics. */
  private readonly findings: vscode.DiagnosticCollection;
  private lastBatch: { folder: string; outDir: string; resultsPath: string; models: { model: string; verdict: string; label: number | null }[] } | null = null;

  constructor(
    private readonly ctx: vscode.ExtensionContext,
    private readonly out: vscode.OutputChannel,
    private readonly badges?: VerdictDecorations,
    private readonly status?: VerdictStatus,
  ) {
    this.findings = vscode.languages.createDiagnosticCollection('rnp');
    ctx.subscriptions.push(this.findings);
  }

  get busy(): boolean {
    return this.job !== undefined;
  }

  private jobOptions(scope: vscode.Uri | undefined, onProgress: (p: Progress) => void): JobOptions {
    const cfg = vscode.workspace.getConfiguration('rnp', scope);
    const limits = workerLimitsFromSettings(userSetting((k) => cfg.inspect(k)));
    return {
      workerPath: vscode.Uri.joinPath(this.ctx.extensionUri, 'dist', 'worker.js').fsPath,
      memoryMb: limits.memoryMb,
      timeoutMs: limits.timeoutMs,
      onProgress,
      onOutput: (text) => this.out.append(text),
    };
  }

  /**
   * The Problems panel is empty after a window reload: give each scanned model of the workspace the finding of its
   * newest kept report again (folder scans' reports, under .rnp-scan/batch/, are the folder scan's to show).
   */
  async restoreFindings(): Promise<number> {
    const reports = await vscode.workspace.findFiles('**/.rnp-scan/*/{scan.json,*/scan.json}', '**/node_modules/**', 2000);
    const models = new Set<string>();
    for (const u of reports) {
      const parts = u.fsPath.split(path.sep);
      const i = parts.lastIndexOf('.rnp-scan');
      if (i > 0 && parts[i + 1] !== 'batch') models.add(path.join(parts.slice(0, i).join(path.sep) || path.sep, parts[i + 1]));
    }
    let restored = 0;
    for (const model of models) {
      const uri = vscode.Uri.file(model);
      if (!existsSync(model) || this.findings.has(uri)) continue;
      const newest = (await scanHistory(model, 1, { modelSha: null }).catch(() => null))?.entries[0];
      const r = newest ? await readScanResult(newest.resultPath).catch(() => null) : null;
      const finding = r ? scanDiagnostic({ ...r, model }) : null;
      if (!finding) continue;
      this.findings.set(uri, [toDiagnostic(finding)]);
      restored++;
    }
    return restored;
  }

  /** The check of `data` against `model` (engine/data-check.ts) in a worker of its own, logged. */
  private async checkData(model: vscode.Uri, data: string): Promise<CheckOutcome> {
    const cfg = vscode.workspace.getConfiguration('rnp', model);
    const options = scanOptionsFromSettings(userSetting((k) => cfg.inspect(k)));
    const labels = labelsSetting(model);
    const outcome = await runDataCheck(model.fsPath, data, () => startDataCheck({ model: model.fsPath, data, options, labels }, this.jobOptions(model, () => undefined)));
    this.lastDataCheck = outcome.ok ? outcome.check : null;
    this.log(`defense data for ${model.fsPath}: ${outcome.ok ? dataCheckText(outcome.check) : `${data}: ${outcome.message}`}`);
    return outcome;
  }

  /** Before a scan or a ranking: a freshly picked defense file is checked against the model, and the user decides. */
  private vetFor(model: vscode.Uri): DataVetter {
    return async (data) => decideOnDataCheck(await this.checkData(model, data), data);
  }

  /**
   * "Check Defense Data…": the check on request, for the model and data given (tests, the model editor) or asked
   * (the model, then the data picker). Resolves to the check, or undefined when it failed or was cancelled.
   */
  async checkDefenseData(model?: vscode.Uri, data?: string): Promise<CheckOutcome | undefined> {
    const target = model ?? (await pickModel('Check defense data for which model?', ReportPanel.current?.result?.model));
    if (!target) return undefined;
    // The check loads the model and the data with the engine, as a scan does: the same Workspace Trust question.
    if (!(await confirmScanIfUntrusted(target))) return undefined;
    const file = data ?? (await pickDefenseData(target));
    if (!file) return undefined;
    const outcome = await this.checkData(target, file);
    showDataCheck(outcome, file, this.out);
    return outcome;
  }

  /** The model editor's summary of `model`, computed in a worker of its own (it may run beside a scan). */
  summarize(model: string): Promise<ModelSummary> {
    return startSummary(model, this.jobOptions(vscode.Uri.file(model), () => undefined)).done;
  }

  private log(line: string): void {
    this.out.appendLine(`[${new Date().toISOString()}] ${line}`);
  }

  private refuseWhileBusy(): boolean {
    if (!this.job) return false;
    void vscode.window.showWarningMessage('A backdoor scan is already running.', 'Cancel Scan').then((a) => a && this.cancel());
    return true;
  }

  async scan(target?: vscode.Uri): Promise<ScanDone | undefined> {
    if (this.refuseWhileBusy()) return undefined;
    const model = target ?? (await pickModel());
    if (!model) return undefined;
    if (!(await confirmScanIfUntrusted(model))) return undefined;
    const choice = await chooseData(model, this.ctx.workspaceState, this.vetFor(model));
    if (!choice) return undefined;
    const cfg = vscode.workspace.getConfiguration('rnp', model);
    // Only what the user set: a setting left at its default must not override the mode's own (paper mode stays paper).
    const options = scanOptionsFromSettings(userSetting((k) => cfg.inspect(k)));
    this.lastRequest = { model: model.fsPath, ...choice };
    const panel = ReportPanel.show(this.ctx.extensionUri, this, (l) => this.log(l));
    panel.post({ type: 'scanning', model: model.fsPath });
    this.log(`scan ${model.fsPath} with defense data ${choice.data}${choice.cleanTest ? `, clean test ${choice.cleanTest}` : ''}${choice.poisonTest ? `, poisoned test ${choice.poisonTest}` : ''}; options ${JSON.stringify(options)}`);
    const name = path.basename(model.fsPath);
    return this.runJob(`Scanning ${name} for backdoors`, (onProgress) =>
      // Every scan in its own folder (.rnp-scan/<model>/<time>/): a re-scan never overwrites the report before it.
      startScan({ model: model.fsPath, data: choice.data, cleanTest: choice.cleanTest, poisonTest: choice.poisonTest, labels: choice.labels, outDir: scanRunDir(model.fsPath, new Date()), options, writePruned: false }, this.jobOptions(model, onProgress)),
      async (done) => {
        await this.ctx.workspaceState.update(LAST_RESULT_KEY, done.resultPath);
        const shown = ReportPanel.current ?? ReportPanel.show(this.ctx.extensionUri, this, (l) => this.log(l));
        await this.present(shown, done.result, done.resultPath, true);
        this.badges?.refresh(model.fsPath);
        // The Problems panel knows the verdict too: a finding on the model file, none when clean.
        const finding = scanDiagnostic(done.result);
        if (finding) this.findings.set(model, [toDiagnostic(finding)]);
        else this.findings.delete(model);
        void offerIgnoreHint(model, this.ctx.globalState, (l) => this.log(l));
        this.log(`scan finished: ${done.result.verdict}${done.result.detectedLabel !== null ? ` (label ${done.result.detectedLabel})` : ''}; report ${done.resultPath}`);
        // The panel may be behind another tab or in a hidden group: say it is done, with the way back to it.
        if (!shown.panel.visible) {
          const what = done.result.verdict === 'backdoored' ? `backdoor found${done.result.detectedLabel !== null ? ` (target label ${done.result.detectedLabel})` : ''}` : done.result.verdict === 'clean' ? 'no backdoor found' : 'inconclusive';
          void vscode.window.showInformationMessage(`Scan of ${name} finished: ${what}.`, 'Open Report').then((a) => a && shown.panel.reveal(undefined, false));
        }
      },
      'scan',
    );
  }

  /**
   * "Inspect Dataset for Poisoned Samples…": rank the samples of a dataset by suspicion (worker: engine/samples.ts)
   * and show the most suspicious in the panel's grid. `dataset` (explorer menu, tests) skips the dataset question;
   * `model` (the panel's button, tests) skips the model question.
   */
  async inspectSamples(dataset?: vscode.Uri, model?: vscode.Uri): Promise<SamplesDone | undefined> {
    if (this.refuseWhileBusy()) return undefined;
    const shown = ReportPanel.current?.result?.model;
    const target = model ?? (await pickModel('Rank the samples with which model?', shown ?? this.lastRequest?.model));
    if (!target) return undefined;
    if (!(await confirmScanIfUntrusted(target))) return undefined;
    const data = await chooseDefenseData(target, this.ctx.workspaceState, this.vetFor(target));
    if (!data) return undefined;
    const inspect = dataset?.fsPath ?? (await pickInspectDataset(target));
    if (!inspect) return undefined;
    const cfg = vscode.workspace.getConfiguration('rnp', target);
    // Only what the user set: a setting left at its default must not override the mode's own (paper mode stays paper).
    const options = scanOptionsFromSettings(userSetting((k) => cfg.inspect(k)));
    const panel = ReportPanel.show(this.ctx.extensionUri, this, (l) => this.log(l));
    panel.post({ type: 'inspecting', model: target.fsPath, inspect });
    this.log(`inspect ${inspect} for poisoned samples with ${target.fsPath} (defense data ${data}); options ${JSON.stringify(options)}`);
    return this.runJob(
      `Inspecting ${path.basename(inspect)} for poisoned samples`,
      (onProgress) => startSamples({ model: target.fsPath, data, inspect, options, previews: GRID_CAP }, this.jobOptions(target, onProgress)),
      async (done) => {
        this.samplesRun = { model: target.fsPath, data, output: done.output };
        await vscode.commands.executeCommand('setContext', 'rnp.hasSamples', true);
        const report = samplesReport(this.samplesRun);
        (ReportPanel.current ?? ReportPanel.show(this.ctx.extensionUri, this, (l) => this.log(l))).showSamples(report);
        this.log(`ranked ${report.rankedScores.length} samples of ${inspect}; proposed to flag ${report.proposedCount}`);
      },
      'samples',
    );
  }

  /**
   * "Scan Folder for Backdoors": every model under the folder (engine/batch.ts, in the worker) with the folder's
   * defense data (the setting, or asked once per folder), outputs in FOLDER/.rnp-scan/batch/ (rerunning skips
   * the models already done and unchanged); findings go to the Problems panel on the model files, and a table of
   * the models opens.
   */
  async scanFolder(target?: vscode.Uri): Promise<BatchDone | undefined> {
    if (this.refuseWhileBusy()) return undefined;
    const folder = target ?? (await pickFolder());
    if (!folder) return undefined;
    if (!(await confirmScanIfUntrusted(folder))) return undefined;
    const choice = await chooseData(folder, this.ctx.workspaceState);
    if (!choice) return undefined;
    const cfg = vscode.workspace.getConfiguration('rnp', folder);
    const options = scanOptionsFromSettings(userSetting((k) => cfg.inspect(k)));
    const outDir = path.join(folder.fsPath, '.rnp-scan', 'batch');
    this.lastRequest = { model: folder.fsPath, ...choice };
    this.log(`scan folder ${folder.fsPath} with defense data ${choice.data}; outputs in ${outDir}; options ${JSON.stringify(options)}`);
    let eta: number | null = null;
    let current: string | null = null;
    let last = { done: 0, total: 0, etaSeconds: null as number | null, current: null as string | null, row: null };
    return this.runJob(
      `Scanning ${path.basename(folder.fsPath)} for backdoors`,
      (_onProgress, report) =>
        startBatch(
          { inputs: [folder.fsPath], data: choice.data, cleanTest: choice.cleanTest, poisonTest: choice.poisonTest, outDir, options, writePruned: false },
          {
            ...this.jobOptions(folder, (p) => report(batchProgressText(last, eta, current, progressText(p)))),
            onBatchProgress: (bp) => {
              last = { ...bp, row: null };
              if (bp.etaSeconds !== null) eta = bp.etaSeconds;
              current = bp.current;
              if (bp.row) this.log(`  ${bp.row.model}: ${bp.row.status === 'done' ? `${bp.row.verdict}${bp.row.detectedLabel !== null ? ` (label ${bp.row.detectedLabel})` : ''}` : `error: ${bp.row.error}`} (${bp.done}/${bp.total})`);
              report(batchProgressText(bp, eta, current, null));
            },
          },
        ),
      async (done) => this.showBatch(folder.fsPath, done),
      'batch',
    );
  }

  private async showBatch(folder: string, done: BatchDone): Promise<void> {
    const out = done.output;
    // This folder's earlier findings go; the new ones come.
    const stale: vscode.Uri[] = [];
    this.findings.forEach((uri) => {
      if (uri.fsPath === folder || uri.fsPath.startsWith(folder + path.sep)) stale.push(uri);
    });
    for (const uri of stale) this.findings.delete(uri);
    const byFile = new Map<string, vscode.Diagnostic[]>();
    for (const f of batchDiagnostics(out)) byFile.set(f.file, [...(byFile.get(f.file) ?? []), toDiagnostic(f)]);
    for (const [file, diags] of byFile) this.findings.set(vscode.Uri.file(file), diags);
    const rows = batchTableRows(out);
    this.lastBatch = { folder, outDir: out.outDir, resultsPath: out.resultsPath, models: rows.map((r) => ({ model: r.model, verdict: r.verdict, label: r.label })) };
    BatchPanel.show(folder, rows, { resultsPath: out.resultsPath, seconds: out.seconds }, { onOpenReport: (row) => void this.openReportFile(row) }, (l) => this.log(l));
    const n = (v: string) => rows.filter((r) => r.verdict === v).length;
    this.log(`folder scan finished: ${rows.length} models, ${n('backdoored')} backdoored, ${n('inconclusive')} inconclusive, ${n('clean')} clean, ${n('error')} errors; results ${out.resultsPath}`);
    const summary = `${path.basename(folder)}: ${rows.length} models scanned, ${n('backdoored')} backdoored, ${n('inconclusive')} inconclusive${n('error') ? `, ${n('error')} could not be scanned` : ''}.`;
    if (n('backdoored') || n('error')) void vscode.window.showWarningMessage(summary, 'Show Problems').then((a) => a && vscode.commands.executeCommand('workbench.actions.view.problems'));
    else void vscode.window.showInformationMessage(summary);
  }

  /** The batch table's "Open report": the model's scan.json in the report panel. */
  private async openReportFile(row: BatchTableRow): Promise<void> {
    if (!row.resultPath) return;
    try {
      const result = await readScanResult(row.resultPath);
      await this.present(ReportPanel.show(this.ctx.extensionUri, this, (l) => this.log(l)), result, row.resultPath);
      await this.ctx.workspaceState.update(LAST_RESULT_KEY, row.resultPath);
    } catch (e) {
      void vscode.window.showErrorMessage(`${row.resultPath}: ${e instanceof Error ? e.message : String(e)}`);
    }
    await this.writeDiagnosticsFile();
  }

  /**
   * Shows a report in the panel, then its model's scan history under it (listed here: file reads only).
   * `fresh`: the report of a scan that just finished, whose modelSha256 is the file's now (no need to hash it again).
   */
  private async present(panel: ReportPanel, result: ScanResult, resultPath: string, fresh = false): Promise<void> {
    panel.showResult(result, resultPath);
    try {
      const history = await scanHistory(result.model, undefined, fresh ? { modelSha: result.modelSha256 } : {});
      // A history that does not list the report shown (a scan.json opened from elsewhere) still lists the model's.
      panel.showHistory(history);
      if (history.unreadable.length) this.log(`scan history of ${result.model}: unreadable ${history.unreadable.map((u) => `${u.resultPath} (${u.reason})`).join(', ')}`);
    } catch (e) {
      this.log(`scan history of ${result.model}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** PanelHandlers: the panel's Cancel (silent when the job has just ended: the panel's button was already there). */
  onCancel(): void {
    this.job?.cancel();
  }

  /** PanelHandlers: a history row's Open. */
  onOpenHistory(panel: ReportPanel, index: number): void {
    const entry = panel.history?.entries[index];
    if (!entry) return;
    void (async () => {
      try {
        await this.present(panel, await readScanResult(entry.resultPath), entry.resultPath);
        await this.ctx.workspaceState.update(LAST_RESULT_KEY, entry.resultPath);
      } catch (e) {
        const msg = `${entry.resultPath}: ${e instanceof Error ? e.message : String(e)}`;
        panel.post({ type: 'error', message: msg });
        void vscode.window.showErrorMessage(msg);
      }
    })();
  }

  /** PanelHandlers: Compare on two ticked history rows. */
  onCompareHistory(panel: ReportPanel, a: number, b: number): void {
    const ea = panel.history?.entries[a];
    const eb = panel.history?.entries[b];
    if (!ea || !eb) return;
    void (async () => {
      try {
        const [ra, rb] = await Promise.all([readScanResult(ea.resultPath), readScanResult(eb.resultPath)]);
        panel.post({ type: 'comparison', a: ea, b: eb, rows: compareScans(ra, rb) });
        this.log(`compared ${ea.resultPath} with ${eb.resultPath}`);
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        panel.post({ type: 'error', message: `Cannot compare: ${msg}` });
      }
    })();
  }

  /** PanelHandlers: the samples card's "Inspect a dataset…" button, with the report's model. */
  onInspectSamples(panel: ReportPanel): void {
    void this.inspectSamples(undefined, panel.result ? vscode.Uri.file(panel.result.model) : undefined);
  }

  /** PanelHandlers: "Export flagged indices" with the count the user chose. */
  onExportSamples(_panel: ReportPanel, count: number): void {
    void this.exportFlagged(count);
  }

  /**
   * Writes the `count` most suspicious samples of the last ranking (asked, with the proposal as default, when not
   * given: the command palette); `dest` (tests) skips the save dialog.
   */
  async exportFlagged(count?: number, dest?: string): Promise<string | undefined> {
    const run = this.samplesRun;
    const panel = ReportPanel.current;
    if (!run) {
      void vscode.window.showInformationMessage('Inspect a dataset first: there is no sample ranking to export.');
      return undefined;
    }
    if (count === undefined) {
      const n = run.output.samples.length;
      const answer = await vscode.window.showInputBox({
        title: `Flag how many of the ${n} ranked samples of ${path.basename(run.output.inspect.path)}?`,
        value: String(samplesReport(run).proposedCount || Math.min(n, 1)),
        prompt: 'The most suspicious samples first; the proposal is where the scores split into two groups.',
        validateInput: (v) => (/^\d+$/.test(v.trim()) && Number(v) >= 1 && Number(v) <= n ? undefined : `a whole number from 1 to ${n}`),
      });
      if (!answer) return undefined;
      count = Number(answer);
    }
    let target = dest;
    if (!target) {
      const uri = await vscode.window.showSaveDialog({
        defaultUri: vscode.Uri.file(defaultFlaggedPath(run.output.inspect.path)),
        filters: { JSON: ['json'] },
        saveLabel: 'Export flagged indices',
        title: `Export the indices of the ${count} most suspicious samples`,
      });
      if (!uri) return undefined;
      target = uri.fsPath;
    }
    const file = flaggedSamples(run, count);
    try {
      await writeFlaggedSamples(target, file);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      const line = msg.startsWith(target) ? msg : `${target}: ${msg}`;
      panel?.post({ type: 'error', message: line, context: 'samples' });
      void vscode.window.showErrorMessage(line);
      return undefined;
    }
    this.lastSamplesExport = target;
    panel?.post({ type: 'samplesExported', path: target, count: file.indices.length });
    this.log(`exported ${file.indices.length} flagged sample indices of ${file.inspect} to ${target}`);
    await this.writeDiagnosticsFile();
    return target;
  }

  /** Shared by scan, export and sample ranking: progress notification with Cancel, the loop-delay measurement, error reporting. */
  private async runJob<T>(title: string, start: (onProgress: (p: Progress) => void, report: (message: string) => void) => WorkerJob<T>, onDone: (v: T) => Promise<void>, context?: JobContext): Promise<T | undefined> {
    this.loop.start();
    await vscode.commands.executeCommand('setContext', 'rnp.scanning', true);
    try {
      const value = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
        // VS Code's bar moves by increments: report the overall share's growth since the last report.
        let shown = 0;
        const job = start(
          (p) => {
            const pct = p.overall ? Math.floor(p.overall.fraction * 100) : shown;
            progress.report({ message: p.overall ? `${pct} % · ${progressText(p)}` : progressText(p), increment: Math.max(0, pct - shown) });
            shown = Math.max(shown, pct);
            ReportPanel.current?.post({ type: 'progress', progress: p });
          },
          (message) => progress.report({ message }),
        );
        this.job = job;
        token.onCancellationRequested(() => job.cancel());
        return job.done;
      });
      await onDone(value);
      this.lastOutcome = 'ok';
      return value;
    } catch (e) {
      this.report(e, context);
      return undefined;
    } finally {
      const j = this.job;
      if (j?.cancelledAt != null && j.exitedAt != null) this.lastCancelMs = Math.round(j.exitedAt - j.cancelledAt);
      this.job = undefined;
      const stats = this.loop.stop();
      if (stats) {
        const stalls = stats.stalls.map((s) => `${s.ms} ms at ${s.at.toFixed(1)} s`).join(', ') || 'none';
        this.log(`extension host event-loop delay during the job (${stats.resolutionMs} ms sampling included): mean ${stats.mean} ms, p50 ${stats.p50} ms, p99 ${stats.p99} ms, max ${stats.max} ms over ${stats.seconds.toFixed(1)} s; stalls over 100 ms: ${stalls}`);
      }
      await vscode.commands.executeCommand('setContext', 'rnp.scanning', false);
      await this.writeDiagnosticsFile();
    }
  }

  private report(e: unknown, context?: JobContext): void {
    // A folder scan's failure is not the report panel's (it may show another model's report).
    const panel = context === 'batch' ? undefined : ReportPanel.current;
    if (e instanceof WorkerFailure) {
      this.lastOutcome = e.kind;
      if (e.kind === 'cancelled' && context === 'samples') {
        this.log('cancelled');
        panel?.post({ type: 'error', message: 'Sample ranking cancelled.', context });
        void vscode.window.showInformationMessage('Sample ranking cancelled.');
        return;
      }
      if (e.kind === 'cancelled') {
        this.log('cancelled');
        // The report the panel showed before this scan, if any, stays as it was.
        if (context === 'scan') panel?.post({ type: 'cancelled' });
        void vscode.window.showInformationMessage('Backdoor scan cancelled.');
        return;
      }
      const where = context === 'samples' || context === 'scan' ? context : undefined;
      if (e.kind === 'engine') {
        this.log(`error ${e.workerError?.code}: ${e.message}`);
        panel?.post({ type: 'error', message: e.message, context: where });
        void vscode.window.showErrorMessage(e.message);
        return;
      }
      this.log(`worker ${e.kind}: ${e.message} (exit code ${e.exitCode}, signal ${e.signal})`);
      if (e.stderr) this.out.appendLine(`--- worker stderr ---\n${e.stderr}\n---`);
      panel?.post({ type: 'error', message: `The ${context === 'samples' ? 'sample ranking' : context === 'scan' ? 'scan' : 'export'} failed: ${e.message}`, context: where });
      void vscode.window.showErrorMessage(`RNP Backdoor Scan: ${e.message}`, 'Show Output').then((a) => a && this.out.show(true));
      return;
    }
    this.lastOutcome = 'internal';
    const msg = e instanceof Error ? e.message : String(e);
    this.log(`internal error: ${e instanceof Error ? e.stack : msg}`);
    void vscode.window.showErrorMessage(`RNP Backdoor Scan: ${msg}`);
  }

  cancel(): boolean {
    if (!this.job) {
      void vscode.window.showInformationMessage('No backdoor scan is running.');
      return false;
    }
    this.job.cancel();
    return true;
  }

  /** PanelHandlers: the panel's export button. */
  onExport(_panel: ReportPanel, threshold: number): void {
    void this.exportPruned(threshold);
  }

  /** PanelHandlers: the panel's "Save report…". */
  onSaveReport(_panel: ReportPanel): void {
    void this.saveReport();
  }

  /** The shown (else the last) report as HTML or Markdown; `dest` (tests) skips the save dialog. */
  async saveReport(dest?: string): Promise<string | undefined> {
    const panel = ReportPanel.current;
    const result = panel?.result ?? (await this.loadLast());
    if (!result) {
      void vscode.window.showInformationMessage('Scan a model first: there is no report to save.');
      return undefined;
    }
    try {
      const written = await saveReport(result, this.ctx.extensionUri, dest);
      if (!written) return undefined;
      panel?.post({ type: 'reportSaved', path: written });
      this.log(`saved the report of ${result.model} to ${written}`);
      return written;
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      panel?.post({ type: 'error', message: msg });
      void vscode.window.showErrorMessage(msg);
      return undefined;
    }
  }

  /** `dest` (tests) skips the save dialog. */
  async exportPruned(threshold?: number, dest?: string): Promise<ExportDone | undefined> {
    if (this.refuseWhileBusy()) return undefined;
    const panel = ReportPanel.current;
    const result = panel?.result ?? (await this.loadLast());
    if (!result) {
      void vscode.window.showInformationMessage('Scan a model first: there is no report to export from.');
      return undefined;
    }
    const th = threshold ?? panel?.threshold ?? result.threshold;
    // One rule with the panel (src/report/export-choice.ts): the repaired model only at the scan's own threshold (the
    // engine copies it there, threshold -1 included), and no file at all where nothing would change.
    const choice = exportChoice(result, th, prunedCounts(result.layers, th).total);
    if (!choice.enabled) {
      void vscode.window.showInformationMessage(`${path.basename(result.model)}: ${choice.description}`);
      return undefined;
    }
    const repaired = choice.kind === 'repaired';
    let target = dest;
    if (!target) {
      const uri = await vscode.window.showSaveDialog({
        defaultUri: vscode.Uri.file(defaultExportPath(result.model)),
        filters: { 'ONNX model': ['onnx'] },
        saveLabel: repaired ? 'Export repaired model' : 'Export pruned model',
        title: repaired ? `Export the repaired model (pruned at threshold ${thresholdText(th)}, then fine-tuned)` : `Export the model pruned at threshold ${thresholdText(th)} (prune-only)`,
      });
      if (!uri) {
        // The panel said "Exporting…" when the button was pressed: tell it nothing happened.
        panel?.post({ type: 'exportCancelled' });
        return undefined;
      }
      target = uri.fsPath;
    }
    if (isSameFile(target, result.model)) {
      const msg = `${target}: refusing to overwrite the scanned model; choose another file name.`;
      panel?.post({ type: 'error', message: msg });
      void vscode.window.showErrorMessage(msg);
      return undefined;
    }
    const dst = target;
    this.log(`export ${result.model} at threshold ${th} (${repaired ? 'the repaired model' : 'prune-only'}) to ${dst}`);
    return this.runJob(`Exporting ${path.basename(dst)}`, (onProgress) => startExport({ model: result.model, result, threshold: th, dest: dst }, this.jobOptions(vscode.Uri.file(result.model), onProgress)), async (done) => {
      ReportPanel.current?.post({ type: 'exported', path: done.path, acc: done.acc, asr: done.asr, repaired });
      this.log(`exported ${done.path} (${repaired ? 'repaired' : 'prune-only'}; ACC ${done.acc}, ASR ${done.asr})`);
      // Where it went, with the way there (issue #23 item 7: success was a bare path).
      const reveal = 'Reveal in Explorer';
      const os = process.platform === 'darwin' ? 'Reveal in Finder' : 'Show in Folder';
      void vscode.window.showInformationMessage(`Exported ${repaired ? 'the repaired model' : 'a prune-only model'} to ${path.basename(done.path)}`, reveal, os).then((a) => {
        if (a === reveal) void vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(done.path));
        else if (a === os) void vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(done.path));
      });
    });
  }

  private async loadLast(): Promise<ScanResult | undefined> {
    const p = this.ctx.workspaceState.get<string>(LAST_RESULT_KEY);
    return p ? readScanResult(p).catch(() => undefined) : undefined;
  }

  /** "Open Scan Report": the scan.json given (explorer menu on any scan.json, from the CLI or a teammate), else the last. */
  async openReport(file?: vscode.Uri): Promise<void> {
    const p = file?.fsPath ?? this.ctx.workspaceState.get<string>(LAST_RESULT_KEY);
    if (!p) {
      void vscode.window.showInformationMessage('No scan report yet: run "Scan for Backdoors" on an .onnx model.');
      return;
    }
    try {
      const result = await readScanResult(p);
      await this.present(ReportPanel.show(this.ctx.extensionUri, this, (l) => this.log(l)), result, p);
    } catch (e) {
      void vscode.window.showErrorMessage(`${p}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** WebviewPanelSerializer: a panel restored after reload, with the scan.json path its webview saved. */
  async restore(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    const rp = ReportPanel.restore(panel, this.ctx.extensionUri, this, (l) => this.log(l));
    const p = typeof state === 'object' && state !== null && typeof (state as { resultPath?: unknown }).resultPath === 'string' ? (state as { resultPath: string }).resultPath : undefined;
    if (!p) {
      rp.post({ type: 'error', message: 'This report was not saved; scan the model again.' });
      return;
    }
    try {
      await this.present(rp, await readScanResult(p), p);
    } catch (e) {
      rp.post({ type: 'error', message: `${p}: ${e instanceof Error ? e.message : String(e)}` });
    }
  }

  diagnostics(): Record<string, unknown> {
    return {
      busy: this.busy,
      lastOutcome: this.lastOutcome,
      lastRequest: this.lastRequest,
      lastDataCheck: this.lastDataCheck,
      lastCancelMs: this.lastCancelMs,
      loopDelayMs: this.loop.last,
      workerPids: liveWorkerPids(),
      panelOpen: ReportPanel.current !== undefined,
      panelTitle: ReportPanel.current?.panel.title ?? null,
      statusBar: this.status?.shown ?? null,
      panelResultPath: ReportPanel.current?.resultPath ?? null,
      panelHistory: ReportPanel.current?.history?.entries.map((e) => e.resultPath) ?? null,
      lastResultPath: this.ctx.workspaceState.get<string>(LAST_RESULT_KEY) ?? null,
      samples: this.samplesRun ? { model: this.samplesRun.model, inspect: this.samplesRun.output.inspect.path, count: this.samplesRun.output.samples.length } : null,
      lastSamplesExport: this.lastSamplesExport,
      panelSampleTiles: ReportPanel.current?.samples?.tiles.length ?? null,
      lastBatch: this.lastBatch,
      batchPanelRows: BatchPanel.current?.rows.length ?? null,
      hostNode: process.version,
      badges: this.badges ? Object.fromEntries([...this.badges.shown].map(([k, v]) => [k, v?.badge ?? null])) : null,
    };
  }

  /** Test hook: when RNP_DIAGNOSTICS_FILE is set in the extension host's environment, every job end writes it. */
  private async writeDiagnosticsFile(): Promise<void> {
    const f = process.env.RNP_DIAGNOSTICS_FILE;
    if (f) await writeFile(f, JSON.stringify(this.diagnostics(), null, 2)).catch(() => undefined);
  }
}

/** The palette's way to name a folder: the workspace folders, or a folder dialog. */
async function pickFolder(): Promise<vscode.Uri | undefined> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  const items: (vscode.QuickPickItem & { uri?: vscode.Uri })[] = [...folders.map((f) => ({ label: f.name, description: f.uri.fsPath, uri: f.uri })), { label: '$(folder-opened) Browse…' }];
  const pick = await vscode.window.showQuickPick(items, { title: 'Scan which folder for backdoored models?', placeHolder: 'every .onnx under it, recursively' });
  if (!pick) return undefined;
  if (pick.uri) return pick.uri;
  const uris = await vscode.window.showOpenDialog({ canSelectFiles: false, canSelectFolders: true, canSelectMany: false, openLabel: 'Scan this folder' });
  return uris?.[0];
}

/** A finding as a Problems entry; an .onnx file is binary, so it sits at the file's start. */
function toDiagnostic(f: FindingDiagnostic): vscode.Diagnostic {
  const d = new vscode.Diagnostic(new vscode.Range(0, 0, 0, 0), f.message, f.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning);
  d.source = 'RNP Backdoor Scan';
  d.code = f.code;
  return d;
}
