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
import { jobBanner, type JobBanner } from './job-banner';
import { comparisonCard, historyCard } from './history-view';
import { modelView } from './model-view';
import { liveCurve } from './live-curve';

interface VsCodeApi {
  postMessage(m: WebviewToHost): void;
  getState(): unknown;
  setState(s: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const app = document.getElementById('app') ?? document.body;
let view: ReportView | null = null;
/** The shown report's model, and the banner above it (a scan running over it, or one that failed). */
let viewModel = '';
let banner: JobBanner | null = null;
/** The model of the scan running (from 'scanning'), to name it when it fails. */
let scanningModel: string | null = null;
/** The samples card shown without a report (a ranking started from the explorer or the palette). */
let standalone: SamplesCard | null = null;
/** A ranking is running: progress goes to the samples card, not to the scan status. */
let inspecting = false;
const post = (msg: WebviewToHost) => vscode.postMessage(msg);
const history = historyCard(post);
/** The running scan's training curves, on the status page or under the banner. */
const live = liveCurve();
let comparison: HTMLElement | null = null;

/** The report page: the job banner, a comparison when asked for, the report, its model's history. */
function layout(): void {
  if (!view || !banner) return;
  app.replaceChildren(...[banner.element, comparison, view.element, history.element].filter((e): e is HTMLElement => e !== null));
}

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

/** The page without a report: a title and a line (busy: a spinner and a Cancel button). */
function status(title: string, detail: string, busy: boolean, isError = false): void {
  view = null;
  banner = null;
  standalone = null;
  let cancel: HTMLElement | null = null;
  if (busy) {
    cancel = custom('vscode-button', { id: 'status-cancel', secondary: '' }, 'Cancel scan');
    cancel.addEventListener('click', () => {
      cancel?.setAttribute('disabled', '');
      post({ type: 'cancel' });
    });
  }
  app.replaceChildren(
    el(
      'section',
      { class: isError ? 'status error' : 'status', id: 'scan-status' },
      busy ? custom('vscode-progress-ring', {}) : null,
      el('h1', { id: 'status-title' }, title),
      el('p', { id: 'status-detail' }, detail),
      cancel,
    ),
  );
}

window.addEventListener('message', (ev: MessageEvent<HostToWebview>) => {
  const m = ev.data;
  switch (m?.type) {
    case 'scanning':
      inspecting = false;
      scanningModel = m.model;
      live.reset();
      // A report on screen stays (dimmed, marked out of date) until the new one arrives.
      if (view && banner) banner.scanning(m.model, viewModel);
      else status(`Scanning ${baseName(m.model)}…`, 'Loading the model and the defense data.', true);
      break;
    case 'progress': {
      const p = m.progress;
      const line = progressLine(p);
      const detail = document.getElementById('status-detail');
      if (inspecting) samples()?.busy(line);
      else {
        if (view && banner) banner.progress(line);
        else if (detail) detail.textContent = line;
        live.add(p);
        // Under the banner over a stale report, or on the status page: wherever the scan is shown running.
        const host = view && banner ? banner.element : document.getElementById('scan-status');
        if (host && live.element.parentElement !== host) host.append(live.element);
      }
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
      live.reset();
      scanningModel = null;
      document.body.classList.toggle('read-only', m.readOnly === true);
      view = reportView(m.result, post);
      viewModel = m.result.model;
      banner = jobBanner(post, view.element);
      comparison = null;
      layout();
      if (m.resultPath) vscode.setState({ resultPath: m.resultPath });
      break;
    case 'exported':
      view?.showExported(m.path, m.acc, m.asr, m.repaired);
      break;
    case 'exportCancelled':
      view?.exportCancelled();
      break;
    case 'reportSaved':
      view?.reportSaved(m.path);
      break;
    case 'model':
      // The model editor: this page shows one model file, never a report.
      view = null;
      banner = null;
      standalone = null;
      app.replaceChildren(modelView(m, post));
      break;
    case 'cancelled':
      scanningModel = null;
      live.reset();
      if (view && banner) banner.clear();
      else status('Scan cancelled', 'Nothing was written; the model file was only read.', false);
      break;
    case 'history':
      history.show(m.history, m.shown);
      break;
    case 'comparison':
      comparison = comparisonCard(m.a, m.b, m.rows, () => {
        comparison = null;
        layout();
      });
      layout();
      comparison?.scrollIntoView?.({ block: 'start' });
      break;
    case 'error':
      if (m.context === 'scan' && view && banner) {
        banner.failed(scanningModel, m.message, viewModel);
        scanningModel = null;
      } else if (m.context === 'scan') {
        status('Scan failed', m.message, false, true);
      } else if (m.context === 'samples') {
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
