/**
 * ONNX external data (tensor bytes kept in a side file, `data_location = EXTERNAL`). The location comes from an
 * untrusted file, so it is confined to the model's own folder: no absolute paths, no `..` segments, and no
 * symlink whose real path leaves the folder. Offsets and lengths are checked against the file size and the
 * tensor's declared size before anything is read, and only the needed bytes are read.
 */
import { closeSync, fstatSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import { OPEN_NONBLOCK } from '../regular-file';
import { dirname, isAbsolute, resolve, sep, win32 } from 'node:path';
import { InputError } from '../errors';
import { show } from './display-name';

export interface ExternalSlice {
  /** Real path of the data file. */
  path: string;
  offset: number;
  length: number;
}

export interface ExternalEntry {
  key?: string | null;
  value?: string | null;
}

/**
 * Validate one tensor's external-data reference without reading it.
 * `expectedBytes` is what the tensor's dims and dtype require; `what` names the tensor for messages.
 */
export function planExternalData(
  entries: readonly ExternalEntry[],
  expectedBytes: number,
  modelFile: string,
  what: string,
): ExternalSlice {
  const fail = (message: string): never => {
    throw new InputError('MODEL_INVALID', modelFile, `${what}: ${message}`);
  };
  const kv = new Map<string, string>();
  for (const e of entries) kv.set(e.key ?? '', e.value ?? '');
  const location = kv.get('location');
  if (!location) return fail('its data is stored externally but no location is given');
  if (location.includes('\0')) return fail('its external data location contains a NUL character');
  if (isAbsolute(location) || win32.isAbsolute(location) || /^[A-Za-z]:/.test(location)) {
    return fail(`its external data location "${show(location)}" is an absolute path; only files inside the model's folder are allowed`);
  }
  if (location.split(/[\\/]/).some((segment) => segment === '..')) {
    return fail(`its external data location "${show(location)}" leaves the model's folder ("..")`);
  }
  const folder = dirname(resolve(modelFile));
  let realFolder: string;
  let realData: string;
  try {
    realFolder = realpathSync(folder);
    realData = realpathSync(resolve(folder, location));
  } catch {
    return fail(`its external data file "${show(location)}" does not exist next to the model`);
  }
  if (realData === realFolder) return fail(`its external data location "${show(location)}" is the model's folder, not a file`);
  if (!realData.startsWith(realFolder.endsWith(sep) ? realFolder : realFolder + sep)) {
    return fail(`its external data file "${show(location)}" resolves to ${realData}, outside the model's folder`);
  }
  const st = statSync(realData);
  if (!st.isFile()) return fail(`its external data location "${show(location)}" is not a regular file`);
  const offset = parseCount(kv.get('offset'), 0, fail, 'offset');
  const length = parseCount(kv.get('length'), st.size - offset, fail, 'length');
  if (length !== expectedBytes) {
    return fail(`its external data length is ${length} bytes but its dims and type need ${expectedBytes}`);
  }
  if (offset + length > st.size) {
    return fail(`its external data (offset ${offset}, length ${length}) runs past the end of "${show(location)}" (${st.size} bytes)`);
  }
  return { path: realData, offset, length };
}

function parseCount(text: string | undefined, fallback: number, fail: (m: string) => never, name: string): number {
  if (text === undefined || text === '') return fallback;
  if (!/^\d+$/.test(text)) return fail(`its external data ${name} "${show(text)}" is not a non-negative integer`);
  const n = Number(text);
  if (!Number.isSafeInteger(n)) return fail(`its external data ${name} ${show(text)} is too large`);
  return n;
}

/** Read exactly the slice's bytes; re-checks the size, since the file may have changed since planning. */
export function readExternalSlice(slice: ExternalSlice, modelFile: string, what: string): Uint8Array {
  const out = new Uint8Array(slice.length);
  let fd: number;
  try {
    // Non-blocking: if the file was swapped for a FIFO since planning, opening it must not wait for a writer.
    fd = openSync(slice.path, OPEN_NONBLOCK);
  } catch (err) {
    throw new InputError('IO', modelFile, `${what}: cannot open external data ${slice.path}: ${(err as Error).message}`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new InputError('MODEL_INVALID', modelFile, `${what}: external data file ${slice.path} is no longer a regular file`);
    if (st.size < slice.offset + slice.length) {
      throw new InputError('MODEL_INVALID', modelFile, `${what}: external data file ${slice.path} shrank while reading`);
    }
    let done = 0;
    while (done < slice.length) {
      const n = readSync(fd, out, done, slice.length - done, slice.offset + done);
      if (n === 0) throw new InputError('MODEL_INVALID', modelFile, `${what}: external data file ${slice.path} ended early`);
      done += n;
    }
  } finally {
    closeSync(fd);
  }
  return out;
}
