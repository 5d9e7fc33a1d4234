/**
 * The report panel's HTML shell: a strict Content-Security-Policy with a per-load nonce, one stylesheet and one
 * script, both local (served through webview.asWebviewUri). No `vscode` import, so the CSP can be unit-tested.
 */
import { makeNonce } from '../csp-nonce';

// Attribute values only, and quotes left as they are: the CSP's 'nonce-…' sources must read as written.
const escapeAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

export interface PanelHtmlInput {
  /** webview.cspSource */
  cspSource: string;
  /** webview URIs (as strings) of dist/webview.js and media/report.css */
  scriptUri: string;
  styleUri: string;
  nonce?: string;
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `img-src ${cspSource} data:`,
  ].join('; ');
}

export function panelHtml(input: PanelHtmlInput): string {
  const nonce = input.nonce ?? makeNonce();
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttr(contentSecurityPolicy(input.cspSource, nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" nonce="${nonce}" href="${escapeAttr(input.styleUri)}">
<title>RNP Backdoor Scan</title>
</head>
<body>
<div id="app"></div>
<script nonce="${nonce}" src="${escapeAttr(input.scriptUri)}"></script>
</body>
</html>`;
}
