// The panel's HTML shell: strict CSP with a nonce, local script and style only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contentSecurityPolicy, panelHtml } from '../../src/extension/panel-html';
import { makeNonce } from '../../src/csp-nonce';

test('CSP is default-src none with nonce-only scripts', () => {
  const csp = contentSecurityPolicy('https://x.vscode-cdn.net', 'abc');
  assert.equal(csp, "default-src 'none'; script-src 'nonce-abc'; style-src https://x.vscode-cdn.net 'nonce-abc'; img-src https://x.vscode-cdn.net data:");
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
});

test('every script tag carries the nonce, a fresh one per render', () => {
  const html = panelHtml({ cspSource: 'src:', scriptUri: 'src:/dist/webview.js', styleUri: 'src:/media/report.css' });
  const nonce = /'nonce-([A-Za-z0-9]+)'/.exec(html)![1];
  assert.ok(nonce.length >= 16);
  const scripts = html.match(/<script[^>]*>/g)!;
  assert.equal(scripts.length, 1);
  assert.ok(scripts.every((s) => s.includes(`nonce="${nonce}"`)));
  assert.notEqual(makeNonce(), makeNonce());
});

test('URIs are attribute-escaped', () => {
  const html = panelHtml({ cspSource: 'src:', scriptUri: 'a"b<c', styleUri: 's', nonce: 'n' });
  assert.ok(html.includes('src="a&quot;b&lt;c"'));
});
