/**
 * A status bar item with the verdict of the model in the active editor tab (the model editor, or any tab on a
 * `.onnx`), from its newest kept report; hidden for other tabs and unscanned models. Clicking it opens the report.
 * Refreshed when the active tab changes and when a scan of the model finishes (the badges' change event).
 */
import * as vscode from 'vscode';
import { scanHistory } from '../engine/scan-history';
import { verdictStatus } from './verdict-badge';

export class VerdictStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('rnp.verdict', vscode.StatusBarAlignment.Left, 50);
  private readonly subs: vscode.Disposable[] = [];
  private generation = 0;

  constructor(onReportsChanged: vscode.Event<unknown>) {
    this.item.name = 'RNP Backdoor Scan verdict';
    this.subs.push(
      this.item,
      vscode.window.tabGroups.onDidChangeTabs(() => void this.update()),
      vscode.window.tabGroups.onDidChangeTabGroups(() => void this.update()),
      onReportsChanged(() => void this.update()),
    );
    void this.update();
  }

  /** What the item shows now (tests read it through rnp._diagnostics); null when hidden. */
  get shown(): string | null {
    return this.visible ? this.item.text : null;
  }

  private visible = false;

  private activeModel(): vscode.Uri | undefined {
    const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
    const uri = input instanceof vscode.TabInputCustom || input instanceof vscode.TabInputText ? input.uri : undefined;
    return uri && uri.scheme === 'file' && /\.onnx$/i.test(uri.fsPath) && !/[\\/]\.rnp-scan[\\/]/.test(uri.fsPath) ? uri : undefined;
  }

  async update(): Promise<void> {
    const gen = ++this.generation;
    const model = this.activeModel();
    const h = model ? await scanHistory(model.fsPath, 1, { modelSha: null }).catch(() => null) : null;
    if (gen !== this.generation) return; // a newer update is under way
    const latest = h?.entries[0] ?? null;
    const s = model ? verdictStatus(latest, model.fsPath) : null;
    if (!s || !latest) {
      this.visible = false;
      this.item.hide();
      return;
    }
    this.item.text = s.text;
    this.item.tooltip = s.tooltip;
    this.item.command = { command: 'rnp.openReport', title: 'Open Scan Report', arguments: [vscode.Uri.file(latest.resultPath)] };
    this.item.backgroundColor = latest.verdict === 'backdoored' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    this.visible = true;
    this.item.show();
  }

  dispose(): void {
    for (const s of this.subs) s.dispose();
  }
}
