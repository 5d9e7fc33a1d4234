/**
 * Entry of the report panel (bundled to dist/webview.js, loaded with the CSP nonce). Receives HostToWebview
 * messages, renders them (a scan report, and/or a suspicious-sample ranking: inside the report's card, or alone
 * when no report is shown), posts WebviewToHost messages, and keeps the scan.json path in the webview state so the
 * host's WebviewPanelSerializer can restore the panel after a reload.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';
import type { HostToWebview, WebviewToHost } from '../src/protocol';
import { custom, el } from './dom';
import { reportView, type ReportView } from './report-view';
import { samplesCard, type SamplesCard } from './samples-view';
import { baseName } from './format';
import { progressLine } from '../src/report/progress-text';

interface VsCodeApi {
  postMessage(m: WebviewToHost): void;
  getState(): unknown;
  setState(s: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const app = document.getElementById('app') ?? document.body;
let view: ReportView | null = null;
/** The samples card shown without a report (a ranking started from the explorer or the palette). */
let standalone: SamplesCard | null = null;
/** A ranking is running: progress goes to the samples card, not to the scan status. */
let inspecting = false;
const post = (msg: WebviewToHost) => vscode.postMessage(msg);

function samples(): SamplesCard | null {
  return view?.samples ?? standalone;
}

function ensureSamples(): SamplesCard {
  const existing = samples();
  if (existing) return existing;
  standalone = samplesCard(post);
  app.replaceChildren(el('main', { class: 'report' }, standalone.element));
  return standalone;
}

function status(title: string, detail: string, busy: boolean, isError = false): void {
  view = null;
  standalone = null;
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
      inspecting = false;
      status(`Scanning ${baseName(m.model)}…`, 'Loading the model and the defense data.', true);
      break;
    case 'progress': {
      const p = m.progress;
      const line = progressLine(p);
      const detail = document.getElementById('status-detail');
      if (inspecting) samples()?.busy(line);
      else if (detail && !view) detail.textContent = line;
      break;
    }
    case 'inspecting': {
      inspecting = true;
      const card = ensureSamples();
      card.busy(`Ranking the samples of ${baseName(m.inspect)} with ${baseName(m.model)}…`);
      card.element.scrollIntoView?.({ block: 'nearest' });
      break;
    }
    case 'samples':
      inspecting = false;
      ensureSamples().show(m.report);
      break;
    case 'samplesExported':
      samples()?.exported(m.path, m.count);
      break;
    case 'result':
      inspecting = false;
      standalone = null;
      view = reportView(m.result, post);
      app.replaceChildren(view.element);
      if (m.resultPath) vscode.setState({ resultPath: m.resultPath });
      break;
    case 'exported':
      view?.showExported(m.path, m.acc, m.asr, m.repaired);
      break;
    case 'exportCancelled':
      view?.exportCancelled();
      break;
    case 'error':
      if (m.context === 'samples') {
        inspecting = false;
        const card = samples();
        if (card) card.error(m.message);
        else status('Sample ranking failed', m.message, false, true);
      } else if (view) view.showError(m.message);
      else status('Scan failed', m.message, false, true);
      break;
  }
});

status('RNP Backdoor Scan', 'Waiting for the scan…', false);
vscode.postMessage({ type: 'ready' });
