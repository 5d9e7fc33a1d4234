/**
 * A scan report as one self-contained HTML file (issue #23: "for a pull request or an audit"): the report panel
 * itself (the same bundle and stylesheet the webview loads), the ScanResult as inline JSON, and a stand-in for VS
 * Code's webview API, so the file opens in any browser, offline, and shows exactly what the panel showed: verdict,
 * trigger images, heatmaps, the threshold slider and its curve. Controls that need the extension (export, inspect a
 * data set, history) are hidden by the panel's read-only mode. Nothing is fetched: the CSP allows only the file's own
 * nonce-tagged scripts and styles and data: images.
 */
import type { ScanResult } from '../engine/result';
import { escapeHtml } from './html-escape';

export interface HtmlReportInput {
  result: ScanResult;
  /** dist/webview.js, as text. */
  script: string;
  /** media/report.css, as text. */
  css: string;
  nonce: string;
}

/**
 * VS Code injects its theme as --vscode-* custom properties; a browser has none. These stand in for VS Code's Light+
 * and Dark+ (by prefers-color-scheme), for every property the panel's stylesheet and the vscode-elements it uses read.
 */
const THEME = `
:root {
  --vscode-font-family: system-ui, -apple-system, "Segoe UI", sans-serif; --vscode-font-size: 13px; --vscode-font-weight: normal;
  --vscode-foreground: #3b3b3b; --vscode-descriptionForeground: #6f6f6f; --vscode-editor-background: #ffffff;
  --vscode-sideBar-background: #f8f8f8; --vscode-editorWidget-background: #f8f8f8; --vscode-panel-border: #e5e5e5;
  --vscode-focusBorder: #005fb8; --vscode-contrastBorder: transparent; --vscode-textLink-foreground: #005fb8;
  --vscode-textBlockQuote-border: #e5e5e5; --vscode-errorForeground: #f85149; --vscode-editorWarning-foreground: #bf8803;
  --vscode-charts-red: #e51400; --vscode-charts-blue: #1a85ff; --vscode-charts-green: #388a34; --vscode-charts-yellow: #bf8803;
  --vscode-button-background: #005fb8; --vscode-button-foreground: #ffffff; --vscode-button-hoverBackground: #0258a8;
  --vscode-button-secondaryBackground: #e5e5e5; --vscode-button-secondaryForeground: #3b3b3b; --vscode-button-secondaryHoverBackground: #cccccc;
  --vscode-badge-background: #cccccc; --vscode-badge-foreground: #3b3b3b;
}
@media (prefers-color-scheme: dark) {
  :root {
    --vscode-foreground: #cccccc; --vscode-descriptionForeground: #9d9d9d; --vscode-editor-background: #1f1f1f;
    --vscode-sideBar-background: #181818; --vscode-editorWidget-background: #202020; --vscode-panel-border: #2b2b2b;
    --vscode-focusBorder: #0078d4; --vscode-textLink-foreground: #4daafc; --vscode-textBlockQuote-border: #616161;
    --vscode-errorForeground: #f85149; --vscode-editorWarning-foreground: #cca700;
    --vscode-charts-red: #f14c4c; --vscode-charts-blue: #3794ff; --vscode-charts-green: #89d185; --vscode-charts-yellow: #cca700;
    --vscode-button-background: #0078d4; --vscode-button-foreground: #ffffff; --vscode-button-hoverBackground: #026ec1;
    --vscode-button-secondaryBackground: #313131; --vscode-button-secondaryForeground: #cccccc; --vscode-button-secondaryHoverBackground: #3c3c3c;
    --vscode-badge-background: #616161; --vscode-badge-foreground: #f8f8f8;
  }
}
body { background: var(--vscode-editor-background); color: var(--vscode-foreground); font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); margin: 0 auto; max-width: 1400px; padding: 0 16px; }
`;

/**
 * Runs before the bundle: the webview API the panel calls, answering nothing (there is no host), and the report
 * handed over once the panel has said it is ready, as the host would.
 */
const SHIM = `
(function () {
  var api = { postMessage: function (m) { if (m && m.type === 'ready') setTimeout(deliver, 0); }, getState: function () { return null; }, setState: function () {} };
  window.acquireVsCodeApi = function () { return api; };
  function deliver() {
    var data = document.getElementById('rnp-report-data');
    window.postMessage({ type: 'result', result: JSON.parse(data.textContent), readOnly: true }, '*');
  }
})();
`;

/** Text inside <script>: only "</script" (any case) and "<!--" can end or disturb it; both are written escaped. */
function scriptText(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

/** JSON inside a <script type="application/json">: escaping every "<" keeps any string in the report from ending it. */
function jsonText(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

export function htmlReportCsp(nonce: string): string {
  return ["default-src 'none'", `script-src 'nonce-${nonce}'`, `style-src 'nonce-${nonce}'`, 'img-src data:'].join('; ');
}

export function htmlReport(input: HtmlReportInput): string {
  const { result, nonce } = input;
  const name = result.model.split(/[\\/]/).pop() || result.model;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(htmlReportCsp(nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<meta name="generator" content="${escapeHtml(`${result.tool.name} ${result.tool.version}`)}">
<title>Backdoor scan: ${escapeHtml(name)} (${escapeHtml(result.verdict)})</title>
<style nonce="${nonce}">${THEME}</style>
<style nonce="${nonce}">${input.css.replace(/<\/(style)/gi, '<\\/$1')}</style>
</head>
<body class="read-only">
<div id="app"></div>
<script type="application/json" id="rnp-report-data">${jsonText(result)}</script>
<script nonce="${nonce}">${scriptText(SHIM)}</script>
<script nonce="${nonce}">${scriptText(input.script)}</script>
</body>
</html>
`;
}
