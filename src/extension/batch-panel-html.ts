/**
 * The batch summary panel's HTML (`rnp.batch`): a table of the models of a "Scan Folder for Backdoors" run
 * (model, verdict, label, seconds) with an "Open report" button per scanned model. Every name is escaped (model
 * paths come from the user's disk); the one script is inline with a per-load nonce under a strict CSP, and it only
 * posts `{type: 'openReport', row}` / `{type: 'openModel', row}` back, which the host validates.
 */
import type { BatchTableRow } from './batch-findings';
import { makeNonce } from '../csp-nonce';
import { escapeHtml } from '../report/html-escape';

export interface BatchPanelInput {
  cspSource: string;
  folder: string;
  rows: readonly BatchTableRow[];
  resultsPath: string;
  seconds: number;
  nonce?: string;
}


export type BatchPanelMessage = { type: 'openReport'; row: number } | { type: 'openModel'; row: number };

/** The webview is untrusted: a row index within the table, nothing else. */
export function isBatchPanelMessage(m: unknown, rows: number): m is BatchPanelMessage {
  if (typeof m !== 'object' || m === null) return false;
  const o = m as Record<string, unknown>;
  return (o.type === 'openReport' || o.type === 'openModel') && Object.keys(o).length === 2 && Number.isSafeInteger(o.row) && (o.row as number) >= 0 && (o.row as number) < rows;
}

export function batchPanelHtml(input: BatchPanelInput): string {
  const nonce = input.nonce ?? makeNonce();
  const csp = [`default-src 'none'`, `script-src 'nonce-${nonce}'`, `style-src 'nonce-${nonce}'`].join('; ');
  const count = (f: (r: BatchTableRow) => boolean) => input.rows.filter(f).length;
  const body = input.rows
    .map((r, i) => {
      const verdict = r.status === 'error' ? 'error' : r.verdict;
      const detail = r.status === 'error' ? `<div class="error">${escapeHtml(r.error ?? '')}</div>` : '';
      const open = r.resultPath ? `<button class="open" data-row="${i}" title="Open the report of ${escapeHtml(r.model)}">Open report</button>` : '';
      return `<tr class="row ${escapeHtml(verdict)}" data-model="${escapeHtml(r.model)}" data-verdict="${escapeHtml(verdict)}">` +
        `<td class="model"><a href="#" class="model-link" data-row="${i}">${escapeHtml(r.model)}</a>${detail}</td>` +
        `<td class="verdict"><span class="badge ${escapeHtml(verdict)}">${escapeHtml(verdict)}</span>${r.skipped ? ' <span class="reused" title="done by an earlier run of the same batch">(earlier run)</span>' : ''}</td>` +
        `<td class="label num">${r.label ?? '–'}</td><td class="seconds num">${r.seconds.toFixed(1)}</td><td>${open}</td></tr>`;
    })
    .join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>Backdoor scan of a folder</title>
<style nonce="${nonce}">
body { font-family: var(--vscode-font-family); color: var(--vscode-foreground); background: var(--vscode-editor-background); padding: 0 16px; }
h1 { font-size: 1.3em; font-weight: 600; }
.summary { color: var(--vscode-descriptionForeground); margin-bottom: 12px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--vscode-widget-border, var(--vscode-panel-border)); vertical-align: top; }
th { font-weight: 600; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
.badge { padding: 1px 6px; border-radius: 8px; border: 1px solid currentColor; }
.badge.backdoored, .badge.error { color: var(--vscode-errorForeground); }
.badge.inconclusive { color: var(--vscode-editorWarning-foreground); }
.badge.clean { color: var(--vscode-testing-iconPassed, var(--vscode-foreground)); }
.error { color: var(--vscode-errorForeground); font-size: 0.9em; }
.reused { color: var(--vscode-descriptionForeground); font-size: 0.9em; }
a { color: var(--vscode-textLink-foreground); }
button { color: var(--vscode-button-foreground); background: var(--vscode-button-background); border: none; padding: 3px 10px; cursor: pointer; }
button:hover { background: var(--vscode-button-hoverBackground); }
</style>
</head>
<body>
<h1>Backdoor scan of ${escapeHtml(input.folder)}</h1>
<div class="summary" id="summary">${input.rows.length} models: ${count((r) => r.verdict === 'backdoored')} backdoored, ${count((r) => r.verdict === 'inconclusive')} inconclusive, ${count((r) => r.verdict === 'clean')} clean, ${count((r) => r.status === 'error')} errors · ${input.seconds.toFixed(1)} s · results in ${escapeHtml(input.resultsPath)}</div>
<table id="models">
<thead><tr><th>model</th><th>verdict</th><th class="num">label</th><th class="num">seconds</th><th></th></tr></thead>
<tbody>
${body}
</tbody>
</table>
<script nonce="${nonce}">
const vscode = acquireVsCodeApi();
document.querySelectorAll('button.open').forEach((b) => b.addEventListener('click', () => vscode.postMessage({ type: 'openReport', row: Number(b.dataset.row) })));
document.querySelectorAll('a.model-link').forEach((a) => a.addEventListener('click', (e) => { e.preventDefault(); vscode.postMessage({ type: 'openModel', row: Number(a.dataset.row) }); }));
</script>
</body>
</html>`;
}
