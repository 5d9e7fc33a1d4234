/**
 * Where a job's outputs go, checked before any work, and how they are committed so that they never disagree.
 *
 * `checkDestinations` runs first (before the model is read): every path the job will write must not be (or lie
 * inside) any input it reads, by real path and by inode, so a model or data file named `scan.json` inside `--out`
 * is never overwritten by the report. Every output folder is made without following symlinks: each missing level
 * is created with a plain mkdir and checked with lstat, the final `--out` folder and every `.rnp-scan` level
 * (and anything below it) must be real folders, not symlinks (a `.rnp-scan` symlink planted in an untrusted model
 * folder would otherwise redirect the default outputs anywhere), and every folder must be a folder and writable,
 * which is proved by creating and removing a probe file. So a `--out` that is a file, a read-only folder or a
 * planted link fails in milliseconds with one OUTPUT_INVALID line, not after the whole scan.
 * (Existing levels above those, such as a home folder reached through a link, are the user's own and are followed.)
 *
 * `commitOutputs` writes last. The scheme, which a kill at any instant cannot break:
 *   1. every artefact (pruned model, repaired model) and the report are written in full to hidden temp files
 *      beside their destinations and fsynced; the report is rendered with the artefacts' sha256 in it;
 *   2. the previous report, if any, is removed;
 *   3. the artefacts are renamed into place;
 *   4. the report is renamed into place, last.
 * Killed before 2: the old report and the old artefacts, untouched. Between 2 and 4: no report at all (new
 * artefacts that nothing claims yet). After 4: the new report and the artefacts it names, whose sha256 it
 * records, so a reader can check (`sha256File`) that a pruned model is the one its report describes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { constants as fsConstants, promises as fsp, type Stats } from 'node:fs';
import * as path from 'node:path';
import { tempName } from './atomic-write';
import { InputError } from './errors';
import { fileKind } from './regular-file';

export interface DestinationCheck {
  /** Everything the job reads: the model (and its external data files), the data set, the test sets, the inspected set. */
  inputs: readonly (string | null | undefined)[];
  /** The folder of scan.json (and repaired.onnx); made if missing. '' or null: none. */
  outDir: string | null;
  /** Every file the job will write (scan.json, the pruned model, repaired.onnx); their folders are made and checked too. */
  files: readonly string[];
  /**
   * false: check only, make nothing (before the job: a cancelled or failed job then leaves nothing behind, not
   * even an empty folder); the write stage checks again with folders made, right before it writes.
   */
  create?: boolean;
}

/** The folder name of the default outputs (output-paths.ts): never a symlink, wherever it is. */
const SCAN_FOLDER = '.rnp-scan';

const refuse = (p: string, why: string) => new InputError('OUTPUT_INVALID', p, why);

interface InputInfo {
  given: string;
  real: string;
  st: Stats | null;
}

/** Real path of `p`; for a path that does not exist, its nearest existing ancestor's real path joined with the rest. */
async function realOrResolved(p: string): Promise<string> {
  const abs = path.resolve(p);
  let head = abs;
  const tail: string[] = [];
  for (;;) {
    try {
      return path.join(await fsp.realpath(head), ...tail.reverse());
    } catch {
      const parent = path.dirname(head);
      if (parent === head) return abs;
      tail.push(path.basename(head));
      head = parent;
    }
  }
}

const within = (child: string, folder: string): boolean => child === folder || child.startsWith(folder.endsWith(path.sep) ? folder : folder + path.sep);

async function inputInfo(inputs: DestinationCheck['inputs']): Promise<InputInfo[]> {
  const out: InputInfo[] = [];
  for (const given of inputs) {
    if (!given) continue;
    out.push({ given, real: await realOrResolved(given), st: await fsp.stat(given).catch(() => null) });
  }
  return out;
}

/**
 * Refuses an output that is an input, or that an input image folder would read as part of its data set: a file
 * in a class folder, or (`isFolder`) a new class folder. Hidden paths (`.rnp-scan`) and files at the data set's
 * top level are not read by the image-folder reader, so they are allowed.
 */
async function checkNotAnInput(file: string, inputs: readonly InputInfo[], isFolder = false): Promise<void> {
  const real = await realOrResolved(file);
  const st = await fsp.stat(file).catch(() => null);
  for (const i of inputs) {
    const same = real === i.real || (st !== null && i.st !== null && st.dev === i.st.dev && st.ino === i.st.ino);
    if (same) throw refuse(file, `is an input of this scan (${i.given}); refusing to overwrite it, choose another output path`);
    if (i.st?.isDirectory() && within(real, i.real)) {
      const parts = path.relative(i.real, real).split(path.sep);
      if (parts.length >= (isFolder ? 1 : 2) && !parts.some((p) => p.startsWith('.'))) {
        throw refuse(file, `lies inside the input image folder ${i.given}, where it would become part of the data set; choose another output path`);
      }
    }
  }
}

/**
 * Makes `folder` level by level without following a symlink where it matters: levels it creates, the level named
 * `.rnp-scan` and everything below it, and the folder itself when `strictSelf` must be real folders (lstat);
 * levels above those may be links to folders. Every level must be a folder.
 */
async function makeFolder(folder: string, strictSelf: boolean, created: string[] = [], create = true): Promise<void> {
  const abs = path.resolve(folder);
  const { root } = path.parse(abs);
  const parts = abs.slice(root.length).split(path.sep).filter(Boolean);
  let cur = root;
  let strict = false;
  for (let i = 0; i < parts.length; i++) {
    cur = path.join(cur, parts[i]!);
    if (parts[i] === SCAN_FOLDER) strict = true;
    const last = i === parts.length - 1;
    const mustBeReal = strict || (last && strictSelf);
    let st: Stats;
    try {
      st = await fsp.lstat(cur);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOTDIR') throw refuse(cur, 'cannot be made: a level above it is a file, not a folder');
      if (code !== 'ENOENT') throw refuse(cur, `cannot be checked: ${(e as Error).message}`);
      // Checking only: this level and those below will be made when the outputs are written.
      if (!create) return;
      try {
        await fsp.mkdir(cur, { mode: 0o755 });
      } catch (m) {
        if ((m as NodeJS.ErrnoException).code !== 'EEXIST') throw refuse(cur, `cannot be made: ${(m as Error).message}`);
      }
      created.push(cur);
      st = await fsp.lstat(cur);
      // Made here: nothing below may be a link either (one raced in would redirect the outputs).
      strict = true;
      if (st.isSymbolicLink() || !st.isDirectory()) throw refuse(cur, `changed while it was made (it is now ${fileKind(st)})`);
      continue;
    }
    if (st.isSymbolicLink()) {
      if (mustBeReal) {
        throw refuse(cur, `is a symbolic link; refusing to write the scan's outputs through it (a planted link would send them elsewhere)`);
      }
      st = await fsp.stat(cur).catch(() => st);
    }
    if (!st.isDirectory()) throw refuse(cur, `is ${st.isFile() ? 'a file' : fileKind(st)}, not a folder; cannot write the outputs into it`);
  }
}

/** Creates and removes a probe file: the folder takes new files (not read-only, not full of someone else's rights). */
async function probeWritable(folder: string): Promise<void> {
  // Not made yet (a check before the job): the deepest level that exists must take the first missing one.
  let existing = path.resolve(folder);
  let missing: string | null = null;
  while (!(await fsp.lstat(existing).then(() => true, () => false))) {
    missing = existing;
    const up = path.dirname(existing);
    if (up === existing) break;
    existing = up;
  }
  if (missing) {
    try {
      await fsp.access(existing, fsConstants.W_OK | fsConstants.X_OK);
    } catch (e) {
      throw refuse(missing, `cannot be made: ${(e as Error).message}`);
    }
    return;
  }
  const probe = path.join(folder, `.rnp-probe-${randomBytes(4).toString('hex')}`);
  try {
    const h = await fsp.open(probe, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, 0o600);
    await h.close();
    await fsp.unlink(probe);
  } catch (e) {
    await fsp.unlink(probe).catch(() => undefined);
    throw refuse(folder, `is not writable: ${(e as Error).message}`);
  }
}

/**
 * Every check on the outputs, before any work; see the header. Throws OUTPUT_INVALID naming the path at fault.
 * Makes the output folders (they stay, empty, when the job fails later).
 */
export async function checkDestinations(c: DestinationCheck): Promise<{ created: string[] }> {
  const inputs = await inputInfo(c.inputs);
  const files = c.files.map((f) => path.resolve(f));
  const outDir = c.outDir ? path.resolve(c.outDir) : null;
  // Before making anything: an output that is an input (or the out folder inside an image data set).
  for (const f of files) await checkNotAnInput(f, inputs);
  if (outDir) await checkNotAnInput(outDir, inputs, true);
  const folders = new Map<string, boolean>();
  if (outDir) folders.set(outDir, true);
  for (const f of files) {
    const d = path.dirname(f);
    if (!folders.has(d)) folders.set(d, false);
  }
  const created: string[] = [];
  try {
    for (const [folder, strictSelf] of folders) await makeFolder(folder, strictSelf, created, c.create !== false);
  } catch (e) {
    await removeEmptyFolders(created);
    throw e;
  }
  for (const f of files) {
    // Again now that the folders exist (real paths through them are exact), then what sits at the path itself.
    await checkNotAnInput(f, inputs);
    const st = await fsp.lstat(f).catch(() => null);
    if (st && !st.isFile() && !st.isSymbolicLink()) throw refuse(f, `is ${fileKind(st)}; an output must be a file`);
  }
  for (const folder of folders.keys()) await probeWritable(folder);
  return { created };
}

/**
 * Undoes what checkDestinations made for a job that then failed or was cancelled: the folders it created, deepest
 * first, each only if still empty (a cancelled scan leaves nothing behind, not even an empty `.rnp-scan/`).
 */
export async function removeEmptyFolders(created: readonly string[]): Promise<void> {
  for (const dir of [...created].sort((a, b) => b.length - a.length)) await fsp.rmdir(dir).catch(() => undefined);
}

export interface Artefact {
  path: string;
  bytes: Uint8Array;
}

export interface CommitRequest {
  /** The pruned and repaired models (anything the report describes), written before it. */
  artefacts: readonly Artefact[];
  /** The report (scan.json), rendered once the artefacts' hashes are known and renamed into place last. */
  report: { path: string; render: (sha256: ReadonlyMap<string, string>) => Uint8Array };
  /** Files that must never be replaced (the model and its external data): refused like checkDestinations does. */
  neverOverwrite?: readonly string[];
}

const WRITE_CHUNK = 16 * 1024 * 1024;

/** Writes `bytes` to a new hidden temp file beside `dest` (O_EXCL, fsynced); returns its path. */
async function writeTemp(dest: string, bytes: Uint8Array): Promise<string> {
  const temp = path.join(path.dirname(dest), tempName(path.basename(dest)));
  const h = await fsp.open(temp, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, 0o644);
  try {
    for (let off = 0; off < bytes.length; off += WRITE_CHUNK) {
      const slice = bytes.subarray(off, Math.min(bytes.length, off + WRITE_CHUNK));
      let done = 0;
      while (done < slice.length) done += (await h.write(slice, done, slice.length - done)).bytesWritten;
    }
    await h.sync();
  } finally {
    await h.close();
  }
  return temp;
}

async function syncFolder(dir: string): Promise<void> {
  try {
    const h = await fsp.open(dir, 'r');
    try {
      await h.sync();
    } finally {
      await h.close();
    }
  } catch {
    /* not supported here (Windows); the renames are still atomic */
  }
}

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** sha256 of a file, or null when it cannot be read: what a reader compares with the report's hash. */
export async function sha256File(file: string): Promise<string | null> {
  try {
    return sha256(await fsp.readFile(file));
  } catch {
    return null;
  }
}

/**
 * Writes the artefacts and then the report by the scheme in the header; returns each artefact's sha256 by resolved
 * path (the same map `render` got). Errors are IO / OUTPUT_INVALID InputErrors naming the file; temp files are
 * removed on failure.
 */
export async function commitOutputs(req: CommitRequest): Promise<ReadonlyMap<string, string>> {
  const protectedInputs = await inputInfo(req.neverOverwrite ?? []);
  const all = [...req.artefacts.map((a) => a.path), req.report.path].map((p) => path.resolve(p));
  if (new Set(all).size !== all.length) throw refuse(all[0]!, 'two outputs of this scan have the same path');
  for (const p of all) await checkNotAnInput(p, protectedInputs);

  const temps: { temp: string; dest: string }[] = [];
  const hashes = new Map<string, string>();
  let current = '';
  try {
    for (const a of req.artefacts) {
      current = a.path;
      temps.push({ temp: await writeTemp(a.path, a.bytes), dest: path.resolve(a.path) });
      hashes.set(path.resolve(a.path), sha256(a.bytes));
    }
    current = req.report.path;
    const reportDest = path.resolve(req.report.path);
    const reportTemp = await writeTemp(reportDest, req.report.render(hashes));
    temps.push({ temp: reportTemp, dest: reportDest });
    // 2. No report claims anything while the artefacts change.
    await fsp.unlink(reportDest).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    });
    // 3 and 4: the report is the last entry of `temps`.
    for (const t of temps) {
      current = t.dest;
      await fsp.rename(t.temp, t.dest);
    }
  } catch (err) {
    await Promise.all(temps.map((t) => fsp.unlink(t.temp).catch(() => undefined)));
    if (err instanceof InputError) throw err;
    throw new InputError('IO', current || null, `cannot write the file: ${(err as Error).message}`);
  }
  for (const dir of new Set(all.map((p) => path.dirname(p)))) await syncFolder(dir);
  return hashes;
}
