/**
 * The report webview panel (`rnp.report`): one panel, reused across scans, opened beside the model. Messages from
 * the webview are untrusted and validated with `isWebviewToHost` before use; the panel remembers which scan.json
 * it shows so the serializer can restore it after a window reload.
 */
import * as vscode from 'vscode';
import { panelColumn } from './panel-column';
import type { HostToWebview, SamplesReport, WebviewToHost } from '../protocol';
import { isWebviewToHost } from '../protocol';
import type { ScanResult } from '../engine/result';
import type { ScanHistory } from '../engine/scan-history';
import { panelHtml } from './panel-html';

export const PANEL_VIEW_TYPE = 'rnp.report';

export interface PanelHandlers {
  onExport(panel: ReportPanel, threshold: number): void;
  onInspectSamples(panel: ReportPanel): void;
  onExportSamples(panel: ReportPanel, count: number): void;
  /** The panel's Cancel (on the banner over a report, or on the status page). */
  onCancel(panel: ReportPanel): void;
  /** Open or compare scans of the history the panel was last sent (`panel.history`), by index. */
  onOpenHistory(panel: ReportPanel, index: number): void;
  onCompareHistory(panel: ReportPanel, a: number, b: number): void;
  /** "Save report…": the shown report as HTML or Markdown. */
  onSaveReport(panel: ReportPanel): void;
}

export class ReportPanel {
  static current: ReportPanel | undefined;
  result: ScanResult | undefined;
  resultPath: string | undefined;
  /** The sample ranking the panel shows (its grid), re-sent after a webview reload or a new report of that model. */
  samples: SamplesReport | undefined;
  /** The history the panel lists (its rows name scans by index into this). */
  history: ScanHistory | undefined;
  private ready = false;
  private queue: HostToWebview[] = [];
  /** The threshold the user last picked in the panel (export uses it). */
  threshold: number | undefined;

  private constructor(
    readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    handlers: PanelHandlers,
    log: (line: string) => void,
  ) {
    const webview = panel.webview;
    webview.options = { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')] };
    webview.html = panelHtml({
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'report.css')).toString(),
    });
    webview.onDidReceiveMessage((m: unknown) => {
      if (!isWebviewToHost(m)) {
        log(`ignored a malformed message from the report panel: ${safeJson(m)}`);
        return;
      }
      this.receive(m, handlers);
    });
    panel.onDidDispose(() => {
      if (ReportPanel.current === this) ReportPanel.current = undefined;
    });
  }

  /**
   * The open panel (revealed where it is when visible, else brought next to the active editor), or a new one there:
   * beside a single editor group, into a neighbouring group when there are already two or more (panel-column.ts).
   */
  static show(extensionUri: vscode.Uri, handlers: PanelHandlers, log: (line: string) => void): ReportPanel {
    const groups = vscode.window.tabGroups;
    const where = panelColumn(groups.activeTabGroup?.viewColumn, groups.all.length);
    const column = where === 'beside' ? vscode.ViewColumn.Beside : (where as vscode.ViewColumn);
    if (ReportPanel.current) {
      const p = ReportPanel.current.panel;
      p.reveal(p.visible ? undefined : column, true);
      return ReportPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(PANEL_VIEW_TYPE, 'Backdoor Scan', { viewColumn: column, preserveFocus: true }, { enableScripts: true, retainContextWhenHidden: true });
    ReportPanel.current = new ReportPanel(panel, extensionUri, handlers, log);
    return ReportPanel.current;
  }

  /** Adopts a panel VS Code restored after a reload (WebviewPanelSerializer). */
  static restore(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, handlers: PanelHandlers, log: (line: string) => void): ReportPanel {
    ReportPanel.current?.panel.dispose();
    ReportPanel.current = new ReportPanel(panel, extensionUri, handlers, log);
    return ReportPanel.current;
  }

  showResult(result: ScanResult, resultPath: string): void {
    this.result = result;
    this.resultPath = resultPath;
    this.threshold = result.threshold;
    if (this.history && this.history.model !== result.model) this.history = undefined;
    // The folder too: two tabs for two model.onnx files must not look the same (issue #23 item 12).
    this.panel.title = panelTitle(result.model);
    this.post({ type: 'result', result, resultPath });
    // A ranking made with this model still applies to its new report; one of another model does not.
    if (this.samples && this.samples.model !== result.model) this.samples = undefined;
    if (this.samples) this.post({ type: 'samples', report: this.samples });
  }

  showHistory(history: ScanHistory): void {
    // A listing that finished after another report replaced the one it was for is not this report's.
    if (this.result && history.model !== this.result.model) return;
    this.history = history;
    this.post({ type: 'history', history, shown: this.resultPath ?? null });
  }

  showSamples(report: SamplesReport): void {
    this.samples = report;
    if (!this.result) this.panel.title = `Suspicious samples: ${baseName(report.inspect.path)}`;
    this.post({ type: 'samples', report });
  }

  post(m: HostToWebview): void {
    // Messages sent before the script runs would be lost: hold them until it says 'ready'.
    if (this.ready) void this.panel.webview.postMessage(m);
    else this.queue.push(m);
  }

  private receive(m: WebviewToHost, handlers: PanelHandlers): void {
    switch (m.type) {
      case 'ready': {
        const wasReady = this.ready;
        this.ready = true;
        const q = this.queue;
        this.queue = [];
        for (const msg of q) void this.panel.webview.postMessage(msg);
        // The webview document was reloaded (its state is gone): send the result again.
        if (wasReady && this.result) void this.panel.webview.postMessage({ type: 'result', result: this.result, resultPath: this.resultPath } satisfies HostToWebview);
        if (wasReady && this.samples) void this.panel.webview.postMessage({ type: 'samples', report: this.samples } satisfies HostToWebview);
        if (wasReady && this.history) void this.panel.webview.postMessage({ type: 'history', history: this.history, shown: this.resultPath ?? null } satisfies HostToWebview);
        break;
      }
      case 'export':
        this.threshold = m.threshold;
        handlers.onExport(this, m.threshold);
        break;
      case 'inspectSamples':
        handlers.onInspectSamples(this);
        break;
      case 'exportSamples':
        handlers.onExportSamples(this, m.count);
        break;
      case 'cancel':
        handlers.onCancel(this);
        break;
      case 'openHistory':
        handlers.onOpenHistory(this, m.index);
        break;
      case 'compareHistory':
        handlers.onCompareHistory(this, m.a, m.b);
        break;
      case 'saveReport':
        handlers.onSaveReport(this);
        break;
    }
  }
}

/** "Backdoor Scan: folder/model.onnx". */
export function panelTitle(model: string): string {
  const parts = model.split(/[\\/]/).filter(Boolean);
  return `Backdoor Scan: ${parts.slice(-2).join('/') || model}`;
}

function baseName(p: string): string {
  return p.split(/[\\/]/).pop() || p;
}

function safeJson(m: unknown): string {
  try {
    return JSON.stringify(m).slice(0, 200);
  } catch {
    return String(m);
  }
}
