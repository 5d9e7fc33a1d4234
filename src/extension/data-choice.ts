/**
 * Which files a scan reads besides the model: the clean defense data (asked once per model and remembered in
 * workspaceState, unless the `rnp.defenseData` setting fixes it) and the optional clean/poisoned test sets
 * (settings, or the clean_test.npz / poison_test.npz found beside the defense file, after asking). Also the
 * dataset to inspect for poisoned samples, picked from the same list of candidates.
 */
import * as vscode from 'vscode';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { imageFolderRoots, testSetsBeside, defenseDataWarning } from './data-candidates';
import { resolveSettingPath } from './settings';

export interface DataChoice {
  data: string;
  cleanTest?: string;
  /** rnp.labels: the class-names file (else the engine looks beside the model and the data). */
  labels?: string;
  poisonTest?: string;
}

const EXCLUDE = '{**/node_modules/**,**/.git/**,**/.rnp-scan/**}';
const dataKey = (model: string) => `rnp.defenseData:${model}`;
const testsKey = (model: string) => `rnp.testSets:${model}`;

function workspaceFolderOf(uri: vscode.Uri): string | undefined {
  return (vscode.workspace.getWorkspaceFolder(uri) ?? vscode.workspace.workspaceFolders?.[0])?.uri.fsPath;
}

function settingPath(cfg: vscode.WorkspaceConfiguration, key: string, ws: string | undefined): string | undefined {
  return resolveSettingPath(cfg.get<string>(key), ws, path.join, path.isAbsolute);
}

/**
 * What the user decided about a freshly picked defense file once it was checked against the model: scan with it,
 * pick another, or stop (undefined).
 */
export type DataDecision = 'use' | 'other' | undefined;
/** Checks a picked file against the model (the controller runs engine/data-check.ts in a worker) and asks. */
export type DataVetter = (data: string) => Promise<DataDecision>;

/**
 * The defense data alone (setting, remembered choice, or asked): what a sample ranking needs. A file picked now is
 * checked by `vet` before it is remembered; a setting or a remembered choice was accepted before and is not re-asked.
 */
export async function chooseDefenseData(model: vscode.Uri, state: vscode.Memento, vet?: DataVetter): Promise<string | undefined> {
  const cfg = vscode.workspace.getConfiguration('rnp', model);
  let data = settingPath(cfg, 'defenseData', workspaceFolderOf(model));
  if (!data) {
    const remembered = state.get<string>(dataKey(model.fsPath));
    data = remembered && fs.existsSync(remembered) ? remembered : await pickVetted(model, vet);
    if (!data) return undefined;
    await state.update(dataKey(model.fsPath), data);
  }
  return data;
}

async function pickVetted(model: vscode.Uri, vet: DataVetter | undefined): Promise<string | undefined> {
  for (;;) {
    const picked = await pickDefenseData(model);
    if (!picked) return undefined;
    const decision = vet ? await vet(picked) : 'use';
    if (decision === 'use') return picked;
    if (decision === undefined) return undefined;
  }
}

/** rnp.labels, resolved as every path setting is (relative to the workspace folder); undefined when unset. */
export function labelsSetting(model: vscode.Uri): string | undefined {
  return settingPath(vscode.workspace.getConfiguration('rnp', model), 'labels', workspaceFolderOf(model));
}

/** undefined = the user dismissed a question (no scan). */
export async function chooseData(model: vscode.Uri, state: vscode.Memento, vet?: DataVetter): Promise<DataChoice | undefined> {
  const cfg = vscode.workspace.getConfiguration('rnp', model);
  const ws = workspaceFolderOf(model);
  const data = await chooseDefenseData(model, state, vet);
  if (!data) return undefined;
  const choice: DataChoice = { data, cleanTest: settingPath(cfg, 'cleanTest', ws), poisonTest: settingPath(cfg, 'poisonTest', ws) };
  if (!choice.cleanTest && !choice.poisonTest) Object.assign(choice, await besideTestSets(model, data, state));
  const labels = labelsSetting(model);
  return labels ? { ...choice, labels } : choice;
}

async function besideTestSets(model: vscode.Uri, data: string, state: vscode.Memento): Promise<Partial<DataChoice>> {
  const found = testSetsBeside(data, (p) => fs.existsSync(p));
  if (!found.cleanTest && !found.poisonTest) return {};
  const key = testsKey(model.fsPath);
  const answer = state.get<'yes' | 'no'>(key);
  if (answer === 'no') return {};
  if (answer !== 'yes') {
    const names = [found.cleanTest, found.poisonTest].filter(Boolean).map((p) => path.basename(p!)).join(' and ');
    const pick = await vscode.window.showInformationMessage(`Use ${names} beside ${path.basename(data)} to measure clean accuracy and attack success?`, 'Use them', 'Not for this model');
    if (!pick) return {};
    await state.update(key, pick === 'Use them' ? 'yes' : 'no');
    if (pick !== 'Use them') return {};
  }
  return found;
}

interface DataItem extends vscode.QuickPickItem {
  path?: string;
  browse?: boolean;
}

export function pickDefenseData(model: vscode.Uri): Promise<string | undefined> {
  return pickDataset(model, {
    title: `Clean defense data for ${path.basename(model.fsPath)}`,
    placeHolder: 'A small set of clean, correctly labelled samples (a few hundred suffice). Asked once per model.',
    openLabel: 'Use as defense data',
    testSetsLast: true,
  });
}

/** The dataset to rank for poisoned samples (a training set, incoming data); labels are optional. */
export function pickInspectDataset(model: vscode.Uri): Promise<string | undefined> {
  return pickDataset(model, {
    title: `Inspect which dataset for samples poisoned against ${path.basename(model.fsPath)}?`,
    placeHolder: 'A .npz file (x, labels optional) or an image folder, e.g. the training data',
    openLabel: 'Inspect',
    testSetsLast: false,
  });
}

interface DatasetQuestion {
  title: string;
  placeHolder: string;
  openLabel: string;
  /** Test sets are not defense data: list them last. */
  testSetsLast: boolean;
}

async function pickDataset(model: vscode.Uri, q: DatasetQuestion): Promise<string | undefined> {
  const [npz, images] = await Promise.all([
    vscode.workspace.findFiles('**/*.npz', EXCLUDE, 500),
    vscode.workspace.findFiles('**/*.{png,jpg,jpeg,PNG,JPG,JPEG}', EXCLUDE, 5000),
  ]);
  const rel = (p: string) => vscode.workspace.asRelativePath(p);
  // For defense data: files whose names say test or poisoned go last, and say why.
  const warning = (p: string) => (q.testSetsLast ? defenseDataWarning(p) : null);
  const npzPaths = npz.map((u) => u.fsPath).sort((a, b) => Number(warning(a) !== null) - Number(warning(b) !== null) || a.localeCompare(b));
  const items: DataItem[] = [
    ...npzPaths.map((p) => ({ label: `$(file-binary) ${rel(p)}`, description: warning(p) ? `$(warning) ${warning(p)}` : 'NumPy archive (x, y)', path: p })),
    ...imageFolderRoots(images.map((u) => u.fsPath), (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath)).map((p) => ({ label: `$(folder) ${rel(p)}`, description: 'image folder, one subfolder per class', path: p })),
    { label: '$(folder-opened) Browse…', description: 'a .npz file or an image folder', browse: true },
  ];
  const pick = await vscode.window.showQuickPick(items, { title: q.title, placeHolder: q.placeHolder, ignoreFocusOut: true });
  if (!pick) return undefined;
  if (!pick.browse) return pick.path;
  const uris = await vscode.window.showOpenDialog({
    canSelectFiles: true,
    canSelectFolders: true,
    canSelectMany: false,
    defaultUri: vscode.Uri.file(path.dirname(model.fsPath)),
    openLabel: q.openLabel,
    title: `${q.title} (.npz or image folder)`,
  });
  return uris?.[0]?.fsPath;
}

/** The palette's way to name a model: the workspace's .onnx files (`preferred` first), or a file dialog. */
export async function pickModel(title = 'Scan which model for backdoors?', preferred?: string): Promise<vscode.Uri | undefined> {
  const files = await vscode.workspace.findFiles('**/*.onnx', EXCLUDE, 500);
  const first = (u: vscode.Uri) => (preferred !== undefined && u.fsPath === preferred ? 0 : 1);
  if (preferred && !files.some((u) => u.fsPath === preferred) && fs.existsSync(preferred)) files.push(vscode.Uri.file(preferred));
  const items: (vscode.QuickPickItem & { uri?: vscode.Uri })[] = [
    ...files.sort((a, b) => first(a) - first(b) || a.fsPath.localeCompare(b.fsPath)).map((uri) => ({ label: vscode.workspace.asRelativePath(uri), description: uri.fsPath === preferred ? 'shown in the report' : undefined, uri })),
    { label: '$(folder-opened) Browse…' },
  ];
  const pick = await vscode.window.showQuickPick(items, { title, placeHolder: 'an .onnx file' });
  if (!pick) return undefined;
  if (pick.uri) return pick.uri;
  const uris = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'ONNX model': ['onnx'] }, openLabel: 'Use this model' });
  return uris?.[0];
}
