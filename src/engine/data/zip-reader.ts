/**
 * Reads a zip archive (the container of .npz) by random access: the central directory first, then only the
 * entries asked for. Sizes come from the central directory (numpy writes zip64 local headers whose sizes are
 * placeholders) and are checked against the caps *before* reading or inflating; inflation (fflate) runs in small
 * chunks and stops the moment output exceeds the declared size, so a zip bomb costs at most one chunk's output.
 */

import { open, type FileHandle } from 'node:fs/promises';
import { Inflate } from 'fflate';
import { InputError, showName } from '../errors';
import { crc32 } from './crc32';
import { formatBytes } from './limits';
import { OPEN_NONBLOCK, notRegularFile } from '../regular-file';

export interface ZipEntry {
  name: string;
  /** 0 = stored, 8 = deflate. */
  method: number;
  compressedSize: number;
  uncompressedSize: number;
  crc32: number;
  localHeaderOffset: number;
}

const EOCD_SIG = 0x06054b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const ZIP64_EOCD_SIG = 0x06064b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;
const MAX_COMMENT = 0xffff;
/** Compressed bytes fed to the inflater per step: bounds the overshoot of a bomb to ~1032× this. */
const INFLATE_CHUNK = 16 * 1024;
/** Default most bytes an inspector is shown: an .npy header is at most 1 MiB (npy.ts) after a 12-byte preamble. */
const DEFAULT_MAX_HEAD = (1 << 20) + 12;

/**
 * Sees an entry's first bytes before the rest is inflated; returns true once it has seen enough, false to see a
 * longer prefix; throws to stop the extraction. `complete`: the prefix is the whole entry.
 */
export type HeadInspector = (head: Uint8Array, complete: boolean) => boolean;

export class ZipReader {
  private constructor(
    private readonly fh: FileHandle,
    readonly file: string,
    readonly size: number,
  ) {}

  static async open(file: string): Promise<ZipReader> {
    let fh: FileHandle;
    try {
      // Non-blocking: a FIFO named like an .npz must not hang the open (it is refused just below).
      fh = await open(file, OPEN_NONBLOCK);
    } catch (e) {
      throw new InputError('IO', file, `cannot open: ${(e as Error).message}`);
    }
    const info = await fh.stat();
    if (!info.isFile()) {
      await fh.close();
      throw notRegularFile(file, info, 'DATA_INVALID');
    }
    return new ZipReader(fh, file, info.size);
  }

  async close(): Promise<void> {
    await this.fh.close();
  }

  private invalid(problem: string): InputError {
    return new InputError('DATA_INVALID', this.file, problem);
  }

  private async read(position: number, length: number): Promise<Uint8Array> {
    if (position < 0 || length < 0 || position + length > this.size) {
      throw this.invalid('zip archive is truncated or corrupt (a record points past the end of the file)');
    }
    const buf = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      let bytesRead: number;
      try {
        ({ bytesRead } = await this.fh.read(buf, done, length - done, position + done));
      } catch (e) {
        throw new InputError('IO', this.file, `cannot read: ${(e as Error).message}`);
      }
      if (bytesRead === 0) throw this.invalid('zip archive is truncated (file shrank while reading)');
      done += bytesRead;
    }
    return buf;
  }

  private safeNumber(value: bigint, what: string): number {
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw this.invalid(`zip64 ${what} is out of range`);
    return Number(value);
  }

  /** All entries of the central directory; DATA_INVALID when there is none, LIMIT_EXCEEDED past `maxEntries`. */
  async entries(maxEntries: number): Promise<ZipEntry[]> {
    const notZip = (): InputError =>
      this.invalid('not a valid .npz/zip archive (no end-of-central-directory record; truncated or not a zip)');
    if (this.size < 22) throw notZip();
    const tailLength = Math.min(this.size, 22 + MAX_COMMENT);
    const tailStart = this.size - tailLength;
    const tail = await this.read(tailStart, tailLength);
    const tv = new DataView(tail.buffer);
    let eocd = -1;
    for (let i = tail.length - 22; i >= 0; i--) {
      if (tv.getUint32(i, true) === EOCD_SIG && i + 22 + tv.getUint16(i + 20, true) <= tail.length) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw notZip();
    let count = tv.getUint16(eocd + 10, true);
    let cdSize = tv.getUint32(eocd + 12, true);
    let cdOffset = tv.getUint32(eocd + 16, true);
    if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
      // Zip64: the real values live in the zip64 end record, found through the locator just before the EOCD.
      const locatorPos = tailStart + eocd - 20;
      const locator = await this.read(locatorPos, 20);
      const lv = new DataView(locator.buffer);
      if (lv.getUint32(0, true) !== ZIP64_LOCATOR_SIG) throw notZip();
      const recordPos = this.safeNumber(lv.getBigUint64(8, true), 'end record offset');
      const record = await this.read(recordPos, 56);
      const rv = new DataView(record.buffer);
      if (rv.getUint32(0, true) !== ZIP64_EOCD_SIG) throw notZip();
      count = this.safeNumber(rv.getBigUint64(32, true), 'entry count');
      cdSize = this.safeNumber(rv.getBigUint64(40, true), 'directory size');
      cdOffset = this.safeNumber(rv.getBigUint64(48, true), 'directory offset');
    }
    if (count > maxEntries) {
      throw new InputError('LIMIT_EXCEEDED', this.file, `zip archive has ${count} entries (limit ${maxEntries})`);
    }
    if (cdSize > this.size) throw notZip();
    const cd = await this.read(cdOffset, cdSize);
    const cv = new DataView(cd.buffer);
    const entries: ZipEntry[] = [];
    let p = 0;
    for (let n = 0; n < count; n++) {
      if (p + 46 > cd.length || cv.getUint32(p, true) !== CENTRAL_SIG) {
        throw this.invalid('zip central directory is corrupt');
      }
      const flags = cv.getUint16(p + 8, true);
      const method = cv.getUint16(p + 10, true);
      const crc = cv.getUint32(p + 16, true);
      let compressedSize = cv.getUint32(p + 20, true);
      let uncompressedSize = cv.getUint32(p + 24, true);
      const nameLength = cv.getUint16(p + 28, true);
      const extraLength = cv.getUint16(p + 30, true);
      const commentLength = cv.getUint16(p + 32, true);
      let localHeaderOffset = cv.getUint32(p + 42, true);
      const end = p + 46 + nameLength + extraLength + commentLength;
      if (end > cd.length) throw this.invalid('zip central directory is corrupt');
      const name = new TextDecoder(flags & 0x800 ? 'utf-8' : 'latin1').decode(cd.subarray(p + 46, p + 46 + nameLength));
      if (flags & 1) throw this.invalid(`zip entry '${showName(name)}' is encrypted`);
      // Zip64 extra field: 8-byte values for exactly those fields that hold 0xFFFFFFFF, in this order.
      let e = p + 46 + nameLength;
      const extraEnd = e + extraLength;
      while (e + 4 <= extraEnd) {
        const id = cv.getUint16(e, true);
        const len = cv.getUint16(e + 2, true);
        if (id === 0x0001) {
          let q = e + 4;
          const next = (what: string): number => {
            if (q + 8 > e + 4 + len) throw this.invalid(`zip entry '${showName(name)}' has a corrupt zip64 field`);
            const v = this.safeNumber(cv.getBigUint64(q, true), what);
            q += 8;
            return v;
          };
          if (uncompressedSize === 0xffffffff) uncompressedSize = next('size');
          if (compressedSize === 0xffffffff) compressedSize = next('compressed size');
          if (localHeaderOffset === 0xffffffff) localHeaderOffset = next('offset');
        }
        e += 4 + len;
      }
      entries.push({ name, method, compressedSize, uncompressedSize, crc32: crc, localHeaderOffset });
      p = end;
    }
    return entries;
  }

  /**
   * The uncompressed bytes of one entry. `label` names the entry in errors (e.g. "array 'x'").
   * LIMIT_EXCEEDED when its declared size is over `maxBytes`; DATA_INVALID for anything corrupt.
   * `inspect`, when given, sees the entry's first bytes *before* the rest is read or inflated (and before the
   * output buffer is allocated) and may throw to stop there: it is called with a growing prefix until it returns
   * true, the prefix reaches `maxHead` bytes, or the entry ends (`complete`).
   */
  async extract(entry: ZipEntry, label: string, maxBytes: number, inspect?: HeadInspector, maxHead = DEFAULT_MAX_HEAD): Promise<Uint8Array> {
    if (entry.uncompressedSize > maxBytes) {
      throw new InputError(
        'LIMIT_EXCEEDED',
        this.file,
        `${label}: zip entry declares ${formatBytes(entry.uncompressedSize)} uncompressed, over the ` +
          `${formatBytes(maxBytes)} limit`,
      );
    }
    const local = await this.read(entry.localHeaderOffset, 30);
    const lv = new DataView(local.buffer);
    if (lv.getUint32(0, true) !== LOCAL_SIG) throw this.invalid(`${label}: zip local header is corrupt`);
    const dataStart = entry.localHeaderOffset + 30 + lv.getUint16(26, true) + lv.getUint16(28, true);
    if (entry.method !== 0 && entry.method !== 8) {
      throw this.invalid(`${label}: zip compression method ${entry.method} is not supported (only stored/deflate)`);
    }
    if (entry.method === 0 && entry.compressedSize !== entry.uncompressedSize) {
      throw this.invalid(`${label}: stored zip entry has inconsistent sizes`);
    }
    if (entry.method === 0 && inspect) {
      const n = Math.min(entry.compressedSize, maxHead);
      inspect(await this.read(dataStart, n), n === entry.compressedSize);
    }
    const compressed = await this.read(dataStart, entry.compressedSize);
    const out = entry.method === 0 ? compressed : this.inflateBounded(compressed, entry.uncompressedSize, label, inspect, maxHead);
    if (crc32(out) !== entry.crc32) throw this.invalid(`${label}: zip entry is corrupt (CRC mismatch)`);
    return out;
  }

  /**
   * Inflates into exactly `declared` bytes, in INFLATE_CHUNK steps, stopping the moment the output would pass it.
   * With `inspect`, output is first held back (at most `maxHead` bytes plus one chunk) until the inspector has
   * seen enough; only then is the `declared`-byte buffer allocated.
   */
  private inflateBounded(compressed: Uint8Array, declared: number, label: string, inspect: HeadInspector | undefined, maxHead: number): Uint8Array {
    let out: Uint8Array | null = inspect ? null : new Uint8Array(declared);
    const held: Uint8Array[] = [];
    let heldBytes = 0;
    let written = 0;
    let finished = false;
    const release = (complete: boolean): void => {
      const head = new Uint8Array(heldBytes);
      let at = 0;
      for (const c of held) {
        head.set(c, at);
        at += c.length;
      }
      if (!inspect!(head, complete) && !complete && heldBytes < maxHead) return;
      // The whole entry is here and short of its declared size: say so without allocating the declared size.
      if (complete && heldBytes !== declared) {
        throw this.invalid(`${label}: zip entry is truncated (inflated ${heldBytes} of ${declared} bytes)`);
      }
      held.length = 0;
      out = new Uint8Array(declared);
      out.set(head);
    };
    const inflater = new Inflate((chunk, final) => {
      if (written + chunk.length > declared) {
        throw this.invalid(
          `${label}: zip entry inflates to more than its declared ${formatBytes(declared)} (corrupt or a zip bomb)`,
        );
      }
      if (out) out.set(chunk, written);
      else {
        held.push(chunk.slice());
        heldBytes += chunk.length;
      }
      written += chunk.length;
      if (final) finished = true;
      if (!out && (heldBytes > 0 || final)) release(final);
    });
    try {
      for (let i = 0; i < compressed.length; i += INFLATE_CHUNK) {
        const end = Math.min(i + INFLATE_CHUNK, compressed.length);
        inflater.push(compressed.subarray(i, end), end === compressed.length);
        if (finished) break;
      }
      if (compressed.length === 0) inflater.push(compressed, true);
    } catch (e) {
      if (e instanceof InputError) throw e;
      throw this.invalid(`${label}: zip entry is corrupt (${(e as Error).message})`);
    }
    if (!out) release(true);
    if (!finished || written !== declared) {
      throw this.invalid(`${label}: zip entry is truncated (inflated ${written} of ${declared} bytes)`);
    }
    return out!;
  }
}
