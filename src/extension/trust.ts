/**
 * Workspace Trust: scanning runs the engine's readers and graph compiler on a file the user did not write. In an
 * untrusted workspace the scan therefore asks first (once per model per session), instead of being disabled outright.
 */
import * as vscode from 'vscode';

const confirmed = new Set<string>();

export async function confirmScanIfUntrusted(model: vscode.Uri): Promise<boolean> {
  if (vscode.workspace.isTrusted || confirmed.has(model.toString())) return true;
  const scan = 'Scan Anyway';
  const answer = await vscode.window.showWarningMessage(
    `This workspace is not trusted. Scanning parses ${vscode.workspace.asRelativePath(model)} and its data with the RNP engine (in a separate process, nothing is executed from the file). Scan anyway?`,
    { modal: true },
    scan,
  );
  if (answer !== scan) return false;
  confirmed.add(model.toString());
  return true;
}
