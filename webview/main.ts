/**
 * Entry of the report panel (bundled to dist/webview.js, loaded with the CSP nonce). Receives HostToWebview
 * messages, renders them, posts WebviewToHost messages, and keeps the scan.json path in the webview state so the
 * host's WebviewPanelSerializer can restore the panel after a reload.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';
import type { HostToWebview, WebviewToHost } from '../src/protocol';
import { custom, el } from './dom';
import { reportView, type ReportView } from './report-view';
import { baseName, percent } from './format';

interface VsCodeApi {
  postMessage(m: WebviewToHost): void;
  getState(): unknown;
  setState(s: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const app = document.getElementById('app') ?? document.body;
let view: ReportView | null = null;

function status(title: string, detail: string, busy: boolean, isError = false): void {
  view = null;
  app.replaceChildren(
    el(
      'section',
      { class: isError ? 'status error' : 'status', id: 'scan-status' },
      busy ? custom('vscode-progress-ring', {}) : null,
      el('h1', { id: 'status-title' }, title),
      el('p', { id: 'status-detail' }, detail),
    ),
  );
}

window.addEventListener('message', (ev: MessageEvent<HostToWebview>) => {
  const m = ev.data;
  switch (m?.type) {
    case 'scanning':
      status(`Scanning ${baseName(m.model)}…`, 'Loading the model and the defense data.', true);
      break;
    case 'progress': {
      const p = m.progress;
      const step = p.total > 0 ? ` (${p.step}/${p.total})` : '';
      const acc = typeof p.acc === 'number' ? ` — clean accuracy ${percent(p.acc)}` : '';
      const detail = document.getElementById('status-detail');
      if (detail && !view) detail.textContent = `${p.phase}${step}${acc}: ${p.message}`;
      break;
    }
    case 'result':
      view = reportView(m.result, (msg) => vscode.postMessage(msg));
      app.replaceChildren(view.element);
      if (m.resultPath) vscode.setState({ resultPath: m.resultPath });
      break;
    case 'exported':
      view?.showExported(m.path, m.acc, m.asr);
      break;
    case 'error':
      if (view) view.showError(m.message);
      else status('Scan failed', m.message, false, true);
      break;
  }
});

status('RNP Backdoor Scan', 'Waiting for the scan…', false);
vscode.postMessage({ type: 'ready' });
