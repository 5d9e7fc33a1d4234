/**
 * Reading an untrusted path without blocking or reading without bound. Only regular files are read: a FIFO named
 * `x.png` would block a plain read forever (and opening it blocks until a writer appears), and `/dev/zero` or a
 * symlink to it never ends. So the file is opened non-blocking (O_NONBLOCK: opening a FIFO returns at once), the
 * *opened* file is checked with fstat (no race between a check and the open), and at most `maxBytes + 1` bytes
 * are read, so a file that grows while it is read is caught too.
 *
 * Symlinks are followed (a data set of symlinks into a shared image pool is common), but only to what is itself a
 * regular file within the size cap: the check is on the opened target, so a symlink to a device, a FIFO, a socket
 * or a folder is refused like the thing itself.
 */
import { constants as fsConstants, promises as fsp, type Stats } from 'node:fs';
import { InputError, type ErrorCode } from './errors';

/** O_NONBLOCK where the platform has it (not on Windows, which has no FIFOs in the file system). */
export const OPEN_NONBLOCK = fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0);

export interface RegularFileOptions {
  /** Largest size accepted, in bytes. */
  maxBytes: number;
  /** Code for "not a regular file" (e.g. MODEL_INVALID, DATA_INVALID). */
  code: ErrorCode;
  /** What the file is, for the size message ("the model file", "the image file"). */
  what: string;
  /** The cap's name in the limits, for the size message ("maxFileBytes"). */
  limitName: string;
  /** Start of the IO error message ("cannot read the model"). */
  ioPrefix?: string;
  /** Bytes of room to leave in the returned array's buffer after its end (onnx/align.ts moves a model into it). */
  spare?: number;
}

/** What a non-regular file is, in words. */
export function fileKind(st: Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'a special file';
}

/** The InputError for a path that is not a regular file. */
export function notRegularFile(path: string, st: Stats, code: ErrorCode): InputError {
  return new InputError(code, path, `is ${fileKind(st)}, not a regular file; only regular files are read`);
}

/** The whole of `path`, a regular file (or a symlink to one) of at most `maxBytes` bytes. */
export async function readRegularFile(path: string, o: RegularFileOptions): Promise<Uint8Array> {
  const io = (e: unknown) => new InputError('IO', path, `${o.ioPrefix ?? 'cannot read'}: ${(e as Error).message}`);
  const tooLarge = (size: number | string) =>
    new InputError('LIMIT_EXCEEDED', path, `${o.what} is ${size} bytes, more than the limit of ${o.maxBytes} (${o.limitName})`);
  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(path, OPEN_NONBLOCK);
  } catch (e) {
    throw io(e);
  }
  try {
    let st: Stats;
    try {
      st = await fh.stat();
    } catch (e) {
      throw io(e);
    }
    if (!st.isFile()) throw notRegularFile(path, st, o.code);
    if (st.size > o.maxBytes) throw tooLarge(st.size);
    // One byte more than the size (or the cap) tells a file that grew since fstat.
    const want = Math.min(st.size, o.maxBytes) + 1;
    const buf = new Uint8Array(new ArrayBuffer(want + (o.spare ?? 0)), 0, want);
    let done = 0;
    for (;;) {
      let n: number;
      try {
        ({ bytesRead: n } = await fh.read(buf, done, buf.length - done, done));
      } catch (e) {
        throw io(e);
      }
      if (n === 0) break;
      done += n;
      if (done === buf.length) {
        if (done > o.maxBytes) throw tooLarge(`more than ${o.maxBytes}`);
        // Grew, but still under the cap: the snapshot of the first size + 1 bytes is not the file; read it again.
        throw new InputError('IO', path, `${o.ioPrefix ?? 'cannot read'}: the file changed while it was read`);
      }
    }
    return buf.subarray(0, done);
  } finally {
    await fh.close().catch(() => undefined);
  }
}
