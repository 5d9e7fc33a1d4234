/**
 * Writes a scan's Markdown or self-contained HTML report (src/report/markdown-report.ts, html-report.ts) to disk,
 * atomically. Shared by the CLI (beside scan.json) and the extension (the panel's "Save report…"); both find the
 * panel's bundle and stylesheet where the build puts them (dist/webview.js, media/report.css), never on a network.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ScanResult } from './engine/result';
import { writeFileAtomic } from './engine/atomic-write';
import { makeNonce } from './csp-nonce';
import { markdownReport } from './report/markdown-report';
import { htmlReport } from './report/html-report';

export type ReportFormat = 'html' | 'md';

/** The folder holding dist/ and media/ (the extension's root; for the CLI, the folder above dist/cli.js). */
export interface ReportAssetsRoot {
  root: string;
}

/** The format a file name asks for (the save dialog's choice), or null for another extension. */
export function reportFormatOf(file: string): ReportFormat | null {
  const f = file.toLowerCase();
  if (f.endsWith('.html') || f.endsWith('.htm')) return 'html';
  if (f.endsWith('.md') || f.endsWith('.markdown')) return 'md';
  return null;
}

export async function renderReport(format: ReportFormat, result: ScanResult, assets: ReportAssetsRoot): Promise<string> {
  if (format === 'md') return markdownReport(result);
  const read = (p: string) =>
    readFile(join(assets.root, p), 'utf8').catch((e: NodeJS.ErrnoException) => {
      throw new Error(`${join(assets.root, p)}: the report panel's ${p.endsWith('.css') ? 'stylesheet' : 'bundle'} is missing (${e.code ?? e.message}); run npm run build`);
    });
  const [script, css] = await Promise.all([read('dist/webview.js'), read('media/report.css')]);
  return htmlReport({ result, script, css, nonce: makeNonce() });
}

/** Renders and writes `dest`; never over the scanned model. */
export async function writeReport(dest: string, format: ReportFormat, result: ScanResult, assets: ReportAssetsRoot): Promise<void> {
  const text = await renderReport(format, result, assets);
  await writeFileAtomic(dest, new TextEncoder().encode(text), { neverOverwrite: [result.model] });
}
