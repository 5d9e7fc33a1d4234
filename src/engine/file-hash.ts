/**
 * SHA-256 of a model file, streamed in 1 MiB reads: the batch's resume key and the scan history's "is this report of
 * the file as it is now" check. A module of its own so the extension host can hash without loading the engine.
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { InputError } from './errors';
import { notRegularFile, OPEN_NONBLOCK } from './regular-file';

/** SHA-256 of a regular file, streamed (a FIFO or a device is refused without blocking). */
export async function hashModel(file: string): Promise<string> {
  let h: fsp.FileHandle;
  try {
    h = await fsp.open(file, OPEN_NONBLOCK);
  } catch (e) {
    throw new InputError('IO', file, `cannot read the model: ${(e as Error).message}`);
  }
  try {
    const st = await h.stat();
    if (!st.isFile()) throw notRegularFile(file, st, 'MODEL_INVALID');
    const hash = createHash('sha256');
    const buf = Buffer.alloc(1 << 20);
    for (let pos = 0; ; ) {
      const { bytesRead } = await h.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) break;
      hash.update(buf.subarray(0, bytesRead));
      pos += bytesRead;
    }
    return hash.digest('hex');
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError('IO', file, `cannot read the model: ${(e as Error).message}`);
  } finally {
    await h.close().catch(() => undefined);
  }
}
