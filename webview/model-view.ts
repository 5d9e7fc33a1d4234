/**
 * The model editor's page (a `.onnx` opened in VS Code, extension/model-editor.ts): what the file is — inputs,
 * classes, normalisation layers, what RNP would mask, parameter count, ops — its newest verdict, and **Scan** /
 * **Open report**. Built from engine/model-summary.ts's ModelSummary; the buttons post messages that name nothing
 * (the host knows which model this editor shows).
 */
import { maskLayerName } from '../src/report/mask-site-name';
import type { ModelSummary } from '../src/engine/model-summary';
import type { ScanHistoryEntry } from '../src/engine/scan-history';
import type { WebviewToHost } from '../src/protocol';
import { custom, el } from './dom';
import { baseName, percent, verdictText } from './format';
import { when } from './history-view';

/** 1234567 → "1.23 M"; below ten thousand, the exact count. */
export function countText(n: number): string {
  if (n < 10_000) return String(n);
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} k`;
  if (n < 1e9) return `${(n / 1e6).toFixed(2)} M`;
  return `${(n / 1e9).toFixed(2)} G`;
}

export function bytesText(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

const shapeText = (shape: (number | string | null)[]) => `[${shape.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;

/** What a scan would mask, or why it cannot run, in one sentence. */
export function maskText(s: ModelSummary): string {
  const sc = s.scannable;
  if (!sc.ok) return `Cannot be scanned: ${sc.reason}`;
  const layers = sc.maskLayers.length;
  if (sc.maskSite === 'conv-output') {
    return `BatchNorm was folded into the convolutions by the exporter: RNP masks the ${sc.maskChannels} output channels of ${layers} convolution${layers === 1 ? '' : 's'} instead.`;
  }
  if (sc.maskSite === 'layernorm' || sc.maskSite === 'groupnorm') {
    return `No BatchNorm: RNP masks the scales of ${layers} ${maskLayerName(sc.maskSite)} layer${layers === 1 ? '' : 's'} (${sc.maskChannels} channels) instead. The verdict was fitted on BatchNorm models: on this one it is less certain.`;
  }
  return `RNP masks ${sc.maskChannels} channels in ${layers} BatchNorm layer${layers === 1 ? '' : 's'}.`;
}

function lastScanCard(model: string, last: ScanHistoryEntry | null, reports: number, post: (m: WebviewToHost) => void): HTMLElement {
  const scan = custom('vscode-button', { id: 'model-scan' }, last ? 'Scan again' : 'Scan for backdoors');
  scan.addEventListener('click', () => post({ type: 'scanModel' }));
  const open = last ? custom('vscode-button', { id: 'model-open-report', secondary: '' }, 'Open report') : null;
  open?.addEventListener('click', () => post({ type: 'openModelReport' }));
  const check = custom('vscode-button', { id: 'model-check-data', secondary: '' }, 'Check defense data…');
  check.addEventListener('click', () => post({ type: 'checkModelData' }));
  return el(
    'section',
    { class: `card model-last${last ? ` verdict-${last.verdict}` : ''}`, id: 'model-last' },
    el('h2', {}, 'Backdoor scan'),
    last
      ? el(
          'div',
          {},
          el('p', { id: 'model-verdict', 'data-verdict': last.verdict }, verdictText(last.verdict, last.detectedLabel, last.detectedLabel !== null && last.detectedLabelName ? { [last.detectedLabel]: last.detectedLabelName } : null)),
          el(
            'p',
            { class: 'hint', id: 'model-verdict-detail' },
            `Newest of ${reports} kept report${reports === 1 ? '' : 's'}: ${last.mode} mode, finished ${when(last.finishedAt)}; ACC ${percent(last.before.acc)} → ${percent(last.after.acc)}, ASR ${percent(last.before.asr)} → ${percent(last.after.asr)}.` +
              (last.sameModel === false ? ' The model file has changed since: scan again.' : ''),
          ),
        )
      : el('p', { class: 'hint', id: 'model-verdict-none' }, `${baseName(model)} has not been scanned yet. A scan needs clean samples of its training distribution (about 1 % of the training set, e.g. 500 images).`),
    el('div', { class: 'buttons' }, scan, open, check),
  );
}

export function modelView(m: { model: string; summary: ModelSummary | null; error: string | null; last: ScanHistoryEntry | null; reports: number }, post: (m: WebviewToHost) => void): HTMLElement {
  const root = el('main', { class: 'report model-overview', id: 'model-overview' });
  const s = m.summary;
  root.append(
    el(
      'section',
      { class: 'verdict', id: 'model-header' },
      el('h1', { id: 'model-title' }, baseName(m.model)),
      s ? el('p', { class: 'meta', id: 'model-meta' }, `${bytesText(s.sizeBytes)} · ${s.producer || 'unknown exporter'} · IR ${s.irVersion}, opset ${s.opset} · sha256 ${s.sha256.slice(0, 12)}…`) : null,
    ),
    lastScanCard(m.model, m.last, m.reports, post),
  );
  if (m.error) {
    root.append(el('section', { class: 'card status error', id: 'model-error' }, el('h2', {}, 'This file cannot be read as a model'), el('p', {}, m.error)));
    return root;
  }
  if (!s) {
    root.append(el('section', { class: 'card', id: 'model-loading' }, custom('vscode-progress-ring', {}), el('p', {}, 'Reading the model…')));
    return root;
  }
  const sc = s.scannable;
  const io = (title: string, id: string, values: ModelSummary['inputs']) =>
    el(
      'table',
      { class: 'metrics', id },
      el('tr', {}, el('th', {}, title), el('th', {}, 'type'), el('th', {}, 'shape')),
      ...values.map((v) => el('tr', {}, el('td', {}, v.name), el('td', {}, v.dtype), el('td', {}, shapeText(v.shape)))),
    );
  root.append(
    el(
      'div',
      { class: 'columns' },
      el(
        'section',
        { class: 'card', id: 'model-io' },
        el('h2', {}, 'Inputs and outputs'),
        io('input', 'model-inputs', s.inputs),
        io('output', 'model-outputs', s.outputs),
        el('p', { class: 'hint', id: 'model-classes' }, sc.ok ? `${sc.numClasses} classes; one sample is ${sc.inputShape.join('×')} (channels × height × width${sc.inputLayout === 'NHWC' ? '; the model takes it channels-last and transposes it itself' : ''}).` : 'Classes: unknown (the graph did not compile).'),
      ),
      el(
        'section',
        { class: 'card', id: 'model-norm' },
        el('h2', {}, 'What RNP masks'),
        el('p', { id: 'model-mask', class: sc.ok ? '' : 'error' }, maskText(s)),
        s.normalisation.length
          ? el('ul', { id: 'model-norm-ops' }, ...s.normalisation.map((n) => el('li', {}, `${n.op} × ${n.count}`)))
          : el('p', { class: 'hint', id: 'model-norm-none' }, 'No normalisation layers.'),
        sc.ok && sc.maskLayers.length
          ? el(
              'details',
              { id: 'model-mask-layers' },
              el('summary', {}, `${sc.maskLayers.length} masked layer${sc.maskLayers.length === 1 ? '' : 's'}`),
              el('ul', {}, ...sc.maskLayers.map((l) => el('li', {}, `${l.name}: ${l.channels} channels`))),
            )
          : null,
      ),
    ),
    el(
      'section',
      { class: 'card', id: 'model-graph' },
      el('h2', {}, 'Graph'),
      el('p', { id: 'model-params', 'data-value': s.parameters }, `${countText(s.parameters)} parameters in ${s.nodes} nodes.`),
      el('p', { class: 'hint', id: 'model-ops' }, s.ops.map((o) => `${o.op} × ${o.count}`).join(' · ')),
      ...s.notes.map((n) => el('p', { class: 'hint note' }, n)),
    ),
  );
  return root;
}
