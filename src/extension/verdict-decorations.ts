/**
 * Explorer badges on scanned `.onnx` files (verdict-badge.ts), from each model's newest kept report
 * (engine/scan-history.ts, read without hashing the model) and refreshed when a scan of it finishes.
 */
import * as vscode from 'vscode';
import { scanHistory } from '../engine/scan-history';
import { verdictBadge, type VerdictBadge } from './verdict-badge';

export class VerdictDecorations implements vscode.FileDecorationProvider {
  private readonly changed = new vscode.EventEmitter<vscode.Uri | vscode.Uri[] | undefined>();
  readonly onDidChangeFileDecorations = this.changed.event;
  /** The last badge given per model path (diagnostics read it). */
  readonly shown = new Map<string, VerdictBadge | null>();

  async provideFileDecoration(uri: vscode.Uri): Promise<vscode.FileDecoration | undefined> {
    if (uri.scheme !== 'file' || !/\.onnx$/i.test(uri.fsPath) || /[\\/]\.rnp-scan[\\/]/.test(uri.fsPath)) return undefined;
    const h = await scanHistory(uri.fsPath, 1, { modelSha: null }).catch(() => null);
    const b = verdictBadge(h?.entries[0] ?? null);
    this.shown.set(uri.fsPath, b);
    if (!b) return undefined;
    return new vscode.FileDecoration(b.badge, b.tooltip, b.color ? new vscode.ThemeColor(b.color) : undefined);
  }

  /** A scan of `model` finished (or its reports changed): ask VS Code to decorate it again. */
  refresh(model: string): void {
    this.changed.fire(vscode.Uri.file(model));
  }

  dispose(): void {
    this.changed.dispose();
  }
}
