/**
 * Replaying stages whose inputs have not changed (issue #19; the zoo bench's re-scoring). A cached stage's key is a
 * hash of the previous cached stage's key and of its own inputs, the first one of the model file and the defense
 * data, so a change anywhere upstream misses everything downstream. Values are the stage's own part of the scan
 * state (stage.cache.save), stored as JSON with typed arrays and Maps kept exact (base64 of their bytes).
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { writeFileAtomic } from '../atomic-write';
import { TOOL_VERSION } from '../version';
import type { Dataset } from '../data/dataset';

export interface StageCache {
  get(key: string): Promise<unknown | undefined>;
  put(key: string, value: unknown): Promise<void>;
  /** Keys looked up and found, in order: what a run replayed (tests and the bench report it). */
  readonly hits: string[];
}

/** The first link of the chain: the model's bytes, the defense data's arrays, and the tool's version. */
export function baseKey(modelSha256: string, defense: Dataset): string {
  const h = createHash('sha256').update(TOOL_VERSION).update(modelSha256);
  h.update(Buffer.from(defense.x.buffer, defense.x.byteOffset, defense.x.byteLength));
  h.update(Buffer.from(defense.y.buffer, defense.y.byteOffset, defense.y.byteLength));
  h.update(JSON.stringify([defense.shape, defense.mean, defense.std]));
  return h.digest('hex');
}

export function chainKey(previous: string, stage: string, inputs: unknown): string {
  return createHash('sha256').update(previous).update(stage).update(JSON.stringify(inputs)).digest('hex');
}

// ── JSON with typed arrays and Maps ──
const TYPED = { Float32Array, Int32Array, Uint8Array, Float64Array } as const;
type TypedName = keyof typeof TYPED;

export function encode(v: unknown): unknown {
  if (v instanceof Map) return { $map: [...v].map(([k, x]) => [k, encode(x)]) };
  for (const name of Object.keys(TYPED) as TypedName[]) {
    if (v instanceof TYPED[name]) {
      const a = v as Float32Array;
      return { $typed: name, b64: Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64') };
    }
  }
  if (Array.isArray(v)) return v.map(encode);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encode(x)]));
  return v;
}

export function decode(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(decode);
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (Array.isArray(o.$map)) return new Map((o.$map as [unknown, unknown][]).map(([k, x]) => [k, decode(x)]));
    if (typeof o.$typed === 'string' && o.$typed in TYPED) {
      const bytes = Buffer.from(o.b64 as string, 'base64');
      const Ctor = TYPED[o.$typed as TypedName];
      const copy = new Uint8Array(bytes.byteLength);
      copy.set(bytes);
      return new Ctor(copy.buffer, 0, copy.byteLength / Ctor.BYTES_PER_ELEMENT);
    }
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, decode(x)]));
  }
  return v;
}

/** In memory, for one process (a bench that re-scores the same models with other verdict or selection rules). */
export class MemoryStageCache implements StageCache {
  private readonly map = new Map<string, string>();
  readonly hits: string[] = [];
  async get(key: string) {
    const s = this.map.get(key);
    if (s === undefined) return undefined;
    this.hits.push(key);
    return decode(JSON.parse(s));
  }
  async put(key: string, value: unknown) {
    this.map.set(key, JSON.stringify(encode(value)));
  }
}

/** One file per key in a folder (`<dir>/<key>.json`), written atomically; survives the process (zoo runs). */
export class DirectoryStageCache implements StageCache {
  readonly hits: string[] = [];
  constructor(readonly dir: string) {}
  private file(key: string) {
    if (!/^[0-9a-f]{64}$/.test(key)) throw new Error(`bad cache key ${key}`);
    return path.join(this.dir, `${key}.json`);
  }
  async get(key: string) {
    let text: string;
    try {
      text = await readFile(this.file(key), 'utf8');
    } catch {
      return undefined;
    }
    try {
      const v = decode(JSON.parse(text));
      this.hits.push(key);
      return v;
    } catch {
      return undefined; // a torn or foreign file is a miss, never an error
    }
  }
  async put(key: string, value: unknown) {
    await mkdir(this.dir, { recursive: true });
    await writeFileAtomic(this.file(key), Buffer.from(JSON.stringify(encode(value))));
  }
}
