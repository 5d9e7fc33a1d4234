/**
 * Atomic file replacement: write to a temp file in the destination's folder (same file system, so the final
 * rename is atomic), fsync it, then rename it over the destination. A crash or kill at any moment leaves either
 * the old file or the complete new one at `dest`, never a torn mix. Temp files are named `.NAME.tmp-XXXXXXXX`
 * (hidden, and never equal to NAME), and a later successful write of NAME removes stale ones older than a minute.
 */
import { promises as fsp, constants as fsConstants } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import { InputError } from './errors';

export interface AtomicWriteOptions {
  /** Files that must never be replaced (the input model): refuse when `dest` resolves to one of them. */
  neverOverwrite?: readonly string[];
}

/** A temp file older than this is treated as left over from a killed writer. */
const STALE_TEMP_MS = 60_000;
/** Write in slices so a 2 GB model never needs a second full-size buffer and stays killable between slices. */
const WRITE_CHUNK = 16 * 1024 * 1024;

export async function writeFileAtomic(dest: string, bytes: Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  const target = resolve(dest);
  for (const protectedPath of options.neverOverwrite ?? []) {
    if (await sameFile(target, protectedPath)) {
      throw new InputError('OPTION_INVALID', dest, `refusing to overwrite the input file ${protectedPath}; choose another output path`);
    }
  }
  const dir = dirname(target);
  const name = basename(target);
  const temp = join(dir, tempName(name));
  let handle: fsp.FileHandle | null = null;
  try {
    // 'wx': never follow or reuse an existing path, so a planted symlink at the temp name cannot redirect us.
    handle = await fsp.open(temp, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, 0o644);
    for (let offset = 0; offset < bytes.length; offset += WRITE_CHUNK) {
      const slice = bytes.subarray(offset, Math.min(bytes.length, offset + WRITE_CHUNK));
      let written = 0;
      while (written < slice.length) {
        const r = await handle.write(slice, written, slice.length - written);
        written += r.bytesWritten;
      }
    }
    await handle.sync();
    await handle.close();
    handle = null;
    await fsp.rename(temp, target);
  } catch (err) {
    if (handle) await handle.close().catch(() => undefined);
    await fsp.unlink(temp).catch(() => undefined);
    if (err instanceof InputError) throw err;
    throw new InputError('IO', dest, `cannot write the file: ${(err as Error).message}`);
  }
  await syncDirectory(dir);
  await removeStaleTemps(dir, name);
}

/** `.NAME.tmp-` followed by 8 random hex digits. */
export function tempName(name: string): string {
  return `.${name}.tmp-${randomBytes(4).toString('hex')}`;
}

/** True when `a` and `b` name the same file: same real path, or (hard links) same device and inode. */
async function sameFile(a: string, b: string): Promise<boolean> {
  const [realA, realB] = await Promise.all([realOrResolved(a), realOrResolved(b)]);
  if (realA === realB) return true;
  const [statA, statB] = await Promise.all([fsp.stat(a).catch(() => null), fsp.stat(b).catch(() => null)]);
  return statA !== null && statB !== null && statA.dev === statB.dev && statA.ino === statB.ino;
}

/** Real path of `p`; for a path that does not exist yet, its folder's real path joined with its name. */
async function realOrResolved(p: string): Promise<string> {
  try {
    return await fsp.realpath(p);
  } catch {
    try {
      return join(await fsp.realpath(dirname(resolve(p))), basename(p));
    } catch {
      return resolve(p);
    }
  }
}

/** Persist the rename itself (the folder entry); best effort, some platforms cannot open folders. */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const h = await fsp.open(dir, 'r');
    try {
      await h.sync();
    } finally {
      await h.close();
    }
  } catch {
    /* not supported here (e.g. Windows); the rename is still atomic */
  }
}

/** Remove `.NAME.tmp-*` files older than a minute: leftovers of writers of this same file that were killed. */
async function removeStaleTemps(dir: string, name: string): Promise<void> {
  const prefix = `.${name}.tmp-`;
  let entries: string[];
  try {
    entries = await fsp.readdir(dir);
  } catch {
    return;
  }
  const now = Date.now();
  for (const entry of entries) {
    if (!entry.startsWith(prefix) || !/^[0-9a-f]{8}$/.test(entry.slice(prefix.length))) continue;
    const p = join(dir, entry);
    try {
      const st = await fsp.lstat(p);
      if (st.isFile() && now - st.mtimeMs > STALE_TEMP_MS) await fsp.unlink(p);
    } catch {
      /* raced with another cleaner; fine */
    }
  }
}
