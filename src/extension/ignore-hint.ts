/**
 * After a scan in a git repository whose .gitignore does not cover `.rnp-scan/`, offer once to add it (issue #23 item
 * 12: the folder, with a model copy in it, appeared beside the model with no hint). "Don't ask again" is remembered;
 * the file is changed only when the user says so, and atomically.
 */
import * as vscode from 'vscode';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../engine/atomic-write';
import { ignoresScanFolders, withIgnoreLine } from './ignore-rule';

const NEVER_KEY = 'rnp.ignoreHint.never';
const asked = new Set<string>();

export async function offerIgnoreHint(model: vscode.Uri, state: vscode.Memento, log: (line: string) => void): Promise<void> {
  const folder = vscode.workspace.getWorkspaceFolder(model)?.uri.fsPath;
  if (!folder || state.get<boolean>(NEVER_KEY) || asked.has(folder)) return;
  if (!fs.existsSync(path.join(folder, '.git'))) return;
  const file = path.join(folder, '.gitignore');
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  if (ignoresScanFolders(text)) return;
  asked.add(folder);
  const add = 'Add to .gitignore';
  const never = "Don't ask again";
  const answer = await vscode.window.showInformationMessage(
    'Scan reports and a repaired copy of the model are kept in .rnp-scan/ beside the model. Keep them out of git?',
    add,
    never,
  );
  if (answer === never) await state.update(NEVER_KEY, true);
  if (answer !== add) return;
  await writeFileAtomic(file, new TextEncoder().encode(withIgnoreLine(text)));
  log(`added .rnp-scan/ to ${file}`);
}
