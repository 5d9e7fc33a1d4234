/**
 * Class names for the report (issue #23: "labels have no class names"), so a user reads "target label 3 (dress)",
 * never has to look an index up. Where they come from, first found wins:
 *   1. the file the user named (`--labels FILE`, setting `rnp.labels`): it must hold exactly one name per class, else
 *      an error naming the file;
 *   2. a labels file beside the model (`MODEL_STEM.labels.txt`, `labels.txt`, `classes.txt`, or `.json` of each), then
 *      beside the defense data (in an image folder, inside it): used when it has one name per class, else skipped
 *      with a note saying why (a file found by name is a guess, and a wrong guess must not fail a scan);
 *   3. an image folder whose class folders are names (the torchvision ImageFolder layout): those names.
 * A text file holds one name per line (surrounding spaces and trailing empty lines dropped); a `.json` file an array
 * of strings or an object from class index to name.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { InputError, showName } from '../errors';

export interface ClassNames {
  names: string[];
  /** The file, or the image folder, the names came from. */
  source: string;
}

/** A labels file is tiny; anything bigger is not one (and must not be read whole). */
const MAX_LABELS_BYTES = 1 << 20;
/** Longer names are cut in the report, not refused. */
const MAX_NAME = 80;
const CANDIDATE_NAMES = (stem: string) => [`${stem}.labels.txt`, `${stem}.labels.json`, 'labels.txt', 'labels.json', 'classes.txt', 'classes.json'];

/** The names in `text` (a labels file's content) or why they are not a list of names. */
export function parseClassNames(text: string, json: boolean): string[] | string {
  if (json) {
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch (e) {
      return `not JSON (${(e as Error).message})`;
    }
    if (Array.isArray(v)) return v.every((x) => typeof x === 'string') ? v.map(clean) : 'a JSON array of names must hold strings only';
    if (v && typeof v === 'object') {
      const entries = Object.entries(v as Record<string, unknown>);
      const names: string[] = [];
      for (const [k, name] of entries) {
        const i = Number(k);
        if (!/^\d+$/.test(k) || typeof name !== 'string') return 'a JSON object of names maps class indices ("0", "1", …) to strings';
        names[i] = clean(name);
      }
      for (let i = 0; i < names.length; i++) if (names[i] === undefined) return `class ${i} has no name`;
      return names;
    }
    return 'a JSON labels file is an array of names or an object from class index to name';
  }
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/).map((l) => l.trim());
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  const empty = lines.indexOf('');
  if (empty >= 0) return `line ${empty + 1} is empty (one class name per line)`;
  return lines.map(clean);
}

function clean(name: string): string {
  // Control and bidi characters would garble the report; they never belong in a class name.
  const c = name.replace(/[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]/g, ' ').trim();
  return c.length > MAX_NAME ? `${c.slice(0, MAX_NAME - 1)}…` : c;
}

async function readNames(file: string): Promise<string[] | string | null> {
  const st = await fsp.stat(file).catch(() => null);
  if (!st) return null;
  if (!st.isFile()) return 'not a regular file';
  if (st.size > MAX_LABELS_BYTES) return `${st.size} bytes: too big for a labels file (at most ${MAX_LABELS_BYTES})`;
  return parseClassNames(await fsp.readFile(file, 'utf8'), file.toLowerCase().endsWith('.json'));
}

export interface ClassNameSources {
  model: string;
  /** The defense data (.npz or image folder). */
  data: string;
  /** The file the user named; its problems are errors. */
  explicit?: string | null;
  /** An image folder's class folder names (when they are names, not indices). */
  folderNames?: string[] | null;
  numClasses: number;
}

/** The class names, or null when none were found; `notes` gets a line for each labels file found and not used. */
export async function resolveClassNames(src: ClassNameSources, notes: string[] = []): Promise<ClassNames | null> {
  const fits = (names: string[] | string | null, file: string): names is string[] => {
    if (names === null) return false;
    const why = typeof names === 'string' ? names : names.length !== src.numClasses ? `${names.length} names for ${src.numClasses} classes` : null;
    if (why === null) return true;
    if (file === src.explicit) throw new InputError('OPTION_INVALID', file, `the labels file cannot be used: ${why}`);
    notes.push(`Class names: ${showName(file)} was not used (${why}).`);
    return false;
  };
  if (src.explicit) {
    const names = await readNames(src.explicit);
    if (names === null) throw new InputError('OPTION_INVALID', src.explicit, 'the labels file does not exist');
    if (fits(names, src.explicit)) return { names, source: src.explicit };
  }
  const stem = path.basename(src.model).replace(/\.onnx$/i, '');
  const dataStat = await fsp.stat(src.data).catch(() => null);
  const dataDir = dataStat?.isDirectory() ? src.data : path.dirname(src.data);
  const dirs = [...new Set([path.dirname(src.model), dataDir])];
  for (const dir of dirs) {
    for (const name of CANDIDATE_NAMES(stem)) {
      const file = path.join(dir, name);
      const names = await readNames(file);
      if (fits(names, file)) return { names, source: file };
    }
  }
  if (src.folderNames && src.folderNames.length === src.numClasses && src.folderNames.every((n) => n !== '')) return { names: src.folderNames.map(clean), source: src.data };
  return null;
}
