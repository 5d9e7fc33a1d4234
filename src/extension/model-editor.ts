/**
 * The model editor (`rnp.model`, issue #23): opening a `.onnx` in VS Code shows what the file is — inputs, classes,
 * normalisation layers, what RNP would mask, parameter count — its newest verdict, and Scan / Open report, instead of
 * "binary file not displayed". Read-only: it never writes the model. The summary is computed in a worker process
 * (engine/model-summary.ts reads and compiles the graph; a 500 MB model must not block the extension host); the
 * newest verdict is read from the kept reports here (file reads only) and refreshed when a scan of the model ends.
 */
import * as vscode from 'vscode';
import * as path from 'node:path';
import type { HostToWebview } from '../protocol';
import { isWebviewToHost } from '../protocol';
import type { ModelSummary } from '../engine/model-summary';
import { scanHistory } from '../engine/scan-history';
import { panelHtml } from './panel-html';

export const MODEL_EDITOR_VIEW_TYPE = 'rnp.model';

type ModelMessage = Extract<HostToWebview, { type: 'model' }>;

export interface ModelEditorHost {
  /** Runs engine/model-summary.ts in a worker; rejects with the message to show. */
  summarize(model: string): Promise<ModelSummary>;
  scan(model: vscode.Uri): Thenable<unknown>;
  openReport(scanJson: vscode.Uri): Thenable<unknown>;
  /** "Check Defense Data…" for this model (the data is asked). */
  checkData(model: vscode.Uri): Thenable<unknown>;
  log(line: string): void;
  /** Fires with a model's uri when its kept reports changed (a scan of it finished). */
  onReportsChanged: vscode.Event<vscode.Uri | vscode.Uri[] | undefined>;
}

export class ModelEditorProvider implements vscode.CustomReadonlyEditorProvider {
  /** The last page each open model's editor was sent (tests read it through `rnp._modelEditor`). */
  readonly shown = new Map<string, ModelMessage>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly host: ModelEditorHost,
  ) {}

  openCustomDocument(uri: vscode.Uri): vscode.CustomDocument {
    return { uri, dispose: () => this.shown.delete(uri.fsPath) };
  }

  async resolveCustomEditor(document: vscode.CustomDocument, panel: vscode.WebviewPanel): Promise<void> {
    const model = document.uri.fsPath;
    const webview = panel.webview;
    webview.options = { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist'), vscode.Uri.joinPath(this.extensionUri, 'media')] };
    webview.html = panelHtml({
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'report.css')).toString(),
    });
    let page: ModelMessage = { type: 'model', model, summary: null, error: null, last: null, reports: 0 };
    let ready = false;
    let disposed = false;
    const send = (next: Partial<ModelMessage>) => {
      page = { ...page, ...next };
      if (disposed) return;
      this.shown.set(model, page);
      if (ready) void webview.postMessage(page);
    };
    const readHistory = async () => {
      const h = await scanHistory(model, 1000, { modelSha: page.summary?.sha256 ?? null }).catch(() => null);
      send({ last: h?.entries[0] ?? null, reports: h?.entries.length ?? 0 });
    };
    const summarize = async () => {
      try {
        send({ summary: await this.host.summarize(model), error: null });
      } catch (e) {
        send({ summary: null, error: e instanceof Error ? e.message : String(e) });
      }
      await readHistory();
    };
    const subs: vscode.Disposable[] = [];
    webview.onDidReceiveMessage(
      (m: unknown) => {
        if (!isWebviewToHost(m)) {
          this.host.log(`ignored a malformed message from the model editor: ${String(JSON.stringify(m)).slice(0, 200)}`);
          return;
        }
        if (m.type === 'ready') {
          ready = true;
          void webview.postMessage(page);
        } else if (m.type === 'scanModel') void this.host.scan(document.uri);
        else if (m.type === 'openModelReport' && page.last) void this.host.openReport(vscode.Uri.file(page.last.resultPath));
        else if (m.type === 'checkModelData') void this.host.checkData(document.uri);
      },
      undefined,
      subs,
    );
    // A scan of this model finished: its newest verdict changed.
    subs.push(
      this.host.onReportsChanged((u) => {
        const uris = u === undefined ? [] : Array.isArray(u) ? u : [u];
        if (uris.some((x) => x.fsPath === model)) void readHistory();
      }),
    );
    // The file was replaced (a re-export): read it again.
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(path.dirname(model)), path.basename(model)));
    subs.push(watcher, watcher.onDidChange(() => void summarize()), watcher.onDidCreate(() => void summarize()));
    panel.onDidDispose(() => {
      disposed = true;
      for (const s of subs) s.dispose();
    });
    this.shown.set(model, page);
    await readHistory();
    void summarize();
  }
}
