/**
 * "Save report…" (the panel's button and `rnp.saveReport`): the shown scan as one self-contained HTML file (the
 * panel itself, readable offline in any browser) or as Markdown (for a pull request), written atomically where the
 * user says. The save dialog's file type decides the format.
 */
import * as vscode from 'vscode';
import * as path from 'node:path';
import type { ScanResult } from '../engine/result';
import { reportFormatOf, writeReport } from '../report-files';

/** Beside the model, named for it: model.onnx → model.scan-report.html. */
export function defaultReportPath(model: string, ext: 'html' | 'md' = 'html'): string {
  return path.join(path.dirname(model), `${path.basename(model).replace(/\.onnx$/i, '')}.scan-report.${ext}`);
}

/**
 * Asks where (unless `dest` is given: tests, scripts) and writes the report. Returns the path written, or undefined
 * when the dialog was closed; a write or format error is shown and rethrown as a message for the panel.
 */
export async function saveReport(result: ScanResult, extensionUri: vscode.Uri, dest?: string): Promise<string | undefined> {
  let target = dest;
  if (!target) {
    const uri = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.file(defaultReportPath(result.model)),
      filters: { 'HTML report (self-contained)': ['html'], Markdown: ['md'] },
      saveLabel: 'Save report',
      title: `Save the scan report of ${path.basename(result.model)}`,
    });
    if (!uri) return undefined;
    target = uri.fsPath;
  }
  const format = reportFormatOf(target);
  if (!format) throw new Error(`${target}: a report is saved as .html (self-contained) or .md (Markdown)`);
  await writeReport(target, format, result, { root: extensionUri.fsPath });
  return target;
}
