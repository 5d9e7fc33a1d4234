/**
 * Extension entry: registers the commands (scan, scan a folder, export, cancel, open and save a report, inspect a dataset for
 * poisoned samples and export its flagged indices, and the hidden commands the tests read), the report panel's serializer,
 * the model editor for .onnx files, the explorer's verdict badges and the output channel. All heavy work runs in a worker
 * process (see scan-controller.ts), never in the extension host.
 */
import * as vscode from 'vscode';
import { ScanController } from './scan-controller';
import { PANEL_VIEW_TYPE } from './report-panel';
import { VerdictDecorations } from './verdict-decorations';
import { MODEL_EDITOR_VIEW_TYPE, ModelEditorProvider } from './model-editor';
import { VerdictStatus } from './verdict-status';

export function activate(context: vscode.ExtensionContext): void {
  const out = vscode.window.createOutputChannel('RNP Backdoor Scan');
  // Explorer badges on scanned models, from their kept reports (no engine loaded: file reads only).
  const badges = new VerdictDecorations();
  const status = new VerdictStatus(badges.onDidChangeFileDecorations);
  const scans = new ScanController(context, out, badges, status);
  // Opening a .onnx shows the model editor: what the model is, its last verdict, Scan and Open report.
  const models = new ModelEditorProvider(context.extensionUri, {
    summarize: (m) => scans.summarize(m),
    scan: (u) => vscode.commands.executeCommand('rnp.scan', u),
    openReport: (u) => vscode.commands.executeCommand('rnp.openReport', u),
    checkData: (u) => vscode.commands.executeCommand('rnp.checkDefenseData', u),
    log: (l) => out.appendLine(l),
    onReportsChanged: badges.onDidChangeFileDecorations,
  });
  const uriArg = (a: unknown): vscode.Uri | undefined => (a instanceof vscode.Uri ? a : vscode.window.activeTextEditor?.document.uri.fsPath.endsWith('.onnx') ? vscode.window.activeTextEditor.document.uri : undefined);
  context.subscriptions.push(
    out,
    badges,
    status,
    vscode.window.registerFileDecorationProvider(badges),
    vscode.commands.registerCommand('rnp.scan', (uri?: unknown) => scans.scan(uriArg(uri))),
    // Explorer menu: the folder clicked; tests pass a path.
    vscode.commands.registerCommand('rnp.scanFolder', (folder?: unknown) => scans.scanFolder(toUri(folder))),
    vscode.commands.registerCommand('rnp.export', (threshold?: unknown, dest?: unknown) =>
      scans.exportPruned(typeof threshold === 'number' ? threshold : undefined, typeof dest === 'string' ? dest : undefined),
    ),
    vscode.commands.registerCommand('rnp.cancel', () => scans.cancel()),
    // Palette and the model editor; tests pass (model, data) as paths to skip both questions.
    vscode.commands.registerCommand('rnp.checkDefenseData', (a?: unknown, b?: unknown) => {
      const first = toUri(a);
      // Explorer menu on a dataset: the file clicked is the data, the model is asked.
      if (first && !first.fsPath.toLowerCase().endsWith('.onnx')) return scans.checkDefenseData(undefined, first.fsPath);
      return scans.checkDefenseData(first ?? uriArg(undefined), toUri(b)?.fsPath);
    }),
    // Explorer menu: the .npz clicked. Tests pass (dataset, model) as paths to skip both questions.
    vscode.commands.registerCommand('rnp.inspectSamples', (dataset?: unknown, model?: unknown) =>
      scans.inspectSamples(toUri(dataset), toUri(model)),
    ),
    vscode.commands.registerCommand('rnp.exportFlaggedSamples', (count?: unknown, dest?: unknown) =>
      scans.exportFlagged(typeof count === 'number' ? count : undefined, typeof dest === 'string' ? dest : undefined),
    ),
    // Tests pass the destination (its extension picks HTML or Markdown) to skip the save dialog.
    vscode.commands.registerCommand('rnp.saveReport', (dest?: unknown) => scans.saveReport(typeof dest === 'string' ? dest : undefined)),
    vscode.commands.registerCommand('rnp.openReport', (uri?: vscode.Uri) => scans.openReport(uri instanceof vscode.Uri ? uri : undefined)),
    vscode.commands.registerCommand('rnp._diagnostics', () => scans.diagnostics()),
    // Test hook: the explorer badge the provider gives a model file (the explorer's rendering is VS Code's).
    vscode.commands.registerCommand('rnp._badge', async (file: unknown) => (typeof file === 'string' ? (await badges.provideFileDecoration(vscode.Uri.file(file)))?.badge ?? null : null)),
    vscode.window.registerCustomEditorProvider(MODEL_EDITOR_VIEW_TYPE, models, { supportsMultipleEditorsPerDocument: true }),
    // Test hook: the page the model editor of `file` was last sent (its webview's DOM is VS Code's to render).
    vscode.commands.registerCommand('rnp._modelEditor', (file: unknown) => (typeof file === 'string' ? (models.shown.get(file) ?? null) : null)),
    // Test hook, and what activation runs: the Problems entries of the kept reports (a reload empties the panel).
    vscode.commands.registerCommand('rnp._restoreFindings', () => scans.restoreFindings()),
    vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, { deserializeWebviewPanel: (panel, state) => scans.restore(panel, state) }),
  );
  void scans.restoreFindings().catch((e) => out.appendLine(`could not restore the Problems entries of kept reports: ${e}`));
}

function toUri(a: unknown): vscode.Uri | undefined {
  if (a instanceof vscode.Uri) return a;
  return typeof a === 'string' && a.length > 0 ? vscode.Uri.file(a) : undefined;
}

export function deactivate(): void {}
