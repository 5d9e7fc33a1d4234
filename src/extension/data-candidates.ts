/**
 * What can serve as clean defense data in a workspace: .npz files, and image folders (a folder whose subfolders —
 * one per class — contain png/jpg files). Pure path logic, tested without VS Code.
 */
import * as path from 'node:path';

const IMAGE_EXT = /\.(png|jpe?g)$/i;

/**
 * Folders whose subfolders hold images: the parent of each image's parent, deduplicated and sorted. Only folders
 * inside one of `within` (the workspace folders) count, so an image at a workspace's top does not offer its parent.
 */
export function imageFolderRoots(imagePaths: readonly string[], within: readonly string[]): string[] {
  const roots = new Set<string>();
  const inside = (p: string) => within.some((w) => p === w || p.startsWith(w.endsWith(path.sep) ? w : w + path.sep));
  for (const p of imagePaths) {
    if (!IMAGE_EXT.test(p)) continue;
    const classDir = path.dirname(p);
    const root = path.dirname(classDir);
    if (root !== classDir && inside(root)) roots.add(root);
  }
  return [...roots].sort();
}

/**
 * Why a file is unlikely to be clean defense data, from its name (issue #23 item 13: the picker offered
 * poison_test.npz as "clean defense data"), or null. The picker lists such files last, with this warning.
 */
export function defenseDataWarning(file: string): string | null {
  const name = path.basename(file).toLowerCase();
  if (/poison|trigger|backdoor|attack|bd_/.test(name)) return 'looks poisoned: not clean defense data';
  if (/(^|[^a-z])(test|val|valid|eval)([^a-z]|$)/.test(name)) return 'a test set: keep it for measuring ACC / ASR';
  return null;
}

export interface TestSetsBeside {
  cleanTest?: string;
  poisonTest?: string;
}

/** clean_test.npz / poison_test.npz in the same folder as the defense file, when they exist. */
export function testSetsBeside(defenseFile: string, exists: (p: string) => boolean): TestSetsBeside {
  const dir = path.dirname(defenseFile);
  const out: TestSetsBeside = {};
  const clean = path.join(dir, 'clean_test.npz');
  const poison = path.join(dir, 'poison_test.npz');
  if (clean !== defenseFile && exists(clean)) out.cleanTest = clean;
  if (poison !== defenseFile && exists(poison)) out.poisonTest = poison;
  return out;
}

/** NAME.pruned.onnx next to the model. */
export function defaultExportPath(model: string): string {
  return path.join(path.dirname(model), path.basename(model).replace(/\.onnx$/i, '') + '.pruned.onnx');
}

export function isSameFile(a: string, b: string): boolean {
  return path.resolve(a) === path.resolve(b);
}
