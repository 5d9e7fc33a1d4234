/**
 * The batch summary panel (`rnp.batch`): the table of a "Scan Folder for Backdoors" run, one panel reused across
 * runs. Its messages are untrusted and validated (a row index of the shown table); a row's "Open report" opens
 * that model's scan.json in the report panel, its name reveals the model in the explorer.
 */
import * as vscode from 'vscode';
import { batchPanelHtml, isBatchPanelMessage, type BatchPanelMessage } from './batch-panel-html';
import type { BatchTableRow } from './batch-findings';

export const BATCH_PANEL_VIEW_TYPE = 'rnp.batch';

export interface BatchPanelHandlers {
  onOpenReport(row: BatchTableRow): void;
}

export class BatchPanel {
  static current: BatchPanel | undefined;
  rows: BatchTableRow[] = [];

  private constructor(
    readonly panel: vscode.WebviewPanel,
    handlers: BatchPanelHandlers,
    log: (line: string) => void,
  ) {
    panel.webview.onDidReceiveMessage((m: unknown) => {
      if (!isBatchPanelMessage(m, this.rows.length)) {
        log(`ignored a malformed message from the batch panel: ${String(JSON.stringify(m)).slice(0, 200)}`);
        return;
      }
      this.receive(m, handlers);
    });
    panel.onDidDispose(() => {
      if (BatchPanel.current === this) BatchPanel.current = undefined;
    });
  }

  static show(folder: string, rows: BatchTableRow[], meta: { resultsPath: string; seconds: number }, handlers: BatchPanelHandlers, log: (line: string) => void): BatchPanel {
    let p = BatchPanel.current;
    if (p) p.panel.reveal(vscode.ViewColumn.Active, false);
    else {
      const panel = vscode.window.createWebviewPanel(BATCH_PANEL_VIEW_TYPE, 'Backdoor Scan: folder', { viewColumn: vscode.ViewColumn.Active, preserveFocus: false }, { enableScripts: true, retainContextWhenHidden: true, localResourceRoots: [] });
      p = BatchPanel.current = new BatchPanel(panel, handlers, log);
    }
    p.rows = rows;
    p.panel.title = `Backdoor Scan: ${folder.split(/[\\/]/).pop() || folder}`;
    p.panel.webview.html = batchPanelHtml({ cspSource: p.panel.webview.cspSource, folder, rows, ...meta });
    return p;
  }

  private receive(m: BatchPanelMessage, handlers: BatchPanelHandlers): void {
    const row = this.rows[m.row];
    if (m.type === 'openReport') handlers.onOpenReport(row);
    else void vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(row.path));
  }
}
