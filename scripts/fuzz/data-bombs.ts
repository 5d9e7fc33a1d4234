/**
 * Structure-aware data bombs for the fuzz harness (issue #17): .npz archives that *declare* more than the
 * (lowered) caps of bomb-limits.ts while being a few kilobytes (deflated zeros, lying zip directories, lying or
 * absurdly nested .npy headers), and image folders holding what must never be read as an image: a FIFO, a
 * symlink to /dev/zero, a symlink loop, a file over the size cap, too many files. Each variant says whether it
 * must be rejected; an image-folder case is a JSON spec the case runner materialises (targets.ts), so a case
 * replays from its seed like any other.
 */
import { zipSync } from 'fflate';
import { PNG } from 'pngjs';
import { spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FUZZ_DATA_LIMITS } from './bomb-limits';
import type { Bomb } from './onnx-bombs';

const D = FUZZ_DATA_LIMITS;

/** An .npy: magic, version 1, the header text padded to 64 bytes, then `payload`. */
export function rawNpy(header: string, payload: Uint8Array): Uint8Array {
  const unpadded = 10 + header.length + 1;
  const text = header + ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const version = text.length > 0xffff ? 2 : 1;
  const prefix = version === 1 ? 10 : 12;
  const out = new Uint8Array(prefix + text.length + payload.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, text.length, true);
  else view.setUint32(8, text.length, true);
  for (let i = 0; i < text.length; i++) out[prefix + i] = text.charCodeAt(i) & 0xff;
  out.set(payload, prefix + text.length);
  return out;
}

const dict = (descr: string, shape: string) => `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
const labels = (n: number) => rawNpy(dict('<i8', `(${n},)`), new Uint8Array(n * 8));

/** Sets the uncompressed size of every central-directory entry (what the reader trusts) to `size`. */
export function patchDeclaredSize(zip: Uint8Array, size: number): Uint8Array {
  const out = Uint8Array.from(zip);
  const v = new DataView(out.buffer);
  for (let p = 0; p + 46 <= out.length; p++) if (v.getUint32(p, true) === 0x02014b50) v.setUint32(p + 24, size >>> 0, true);
  return out;
}

type NpzGenerator = (rand: () => number) => Bomb;

export const NPZ_BOMBS: Record<string, NpzGenerator> = {
  // The tester's 1.8 MB → 1.88 GB bombs, scaled to the fuzz caps: deflated zeros declaring more than the data set cap.
  uint8Bomb: (rand) => {
    const n = Math.ceil(D.maxDatasetBytes / 4 / 784) + 1 + Math.floor(rand() * 300);
    const x = rawNpy(dict('|u1', `(${n}, 1, 28, 28)`), new Uint8Array(n * 784));
    return { bytes: zipSync({ 'x.npy': x, 'y.npy': labels(n) }, { level: 9 }), ops: [`uint8 zeros (${n},1,28,28)`], expect: 'reject' };
  },
  float32Bomb: (rand) => {
    const n = Math.ceil(D.maxDatasetBytes / 4 / 784) + 1 + Math.floor(rand() * 300);
    const x = rawNpy(dict('<f4', `(${n}, 1, 28, 28)`), new Uint8Array(n * 784 * 4));
    return { bytes: zipSync({ 'x.npy': x, 'y.npy': labels(n) }, { level: 9 }), ops: [`float32 zeros (${n},1,28,28)`], expect: 'reject' };
  },
  lyingDirectory: (rand) => {
    const n = 64;
    const zip = zipSync({ 'x.npy': rawNpy(dict('|u1', `(${n}, 1, 28, 28)`), new Uint8Array(n * 784)), 'y.npy': labels(n) }, { level: 6 });
    const size = rand() < 0.5 ? 1000 : 0xfffffff0;
    return { bytes: patchDeclaredSize(zip, size), ops: [`zip declares ${size}`], expect: 'reject' };
  },
  hugeHeader: (rand) => {
    const shape = rand() < 0.5 ? '(1000000000000, 1, 28, 28)' : '(100000, 100000)';
    return { bytes: zipSync({ 'x.npy': rawNpy(dict('<f4', shape), new Uint8Array(64)), 'y.npy': labels(1) }), ops: [`header shape ${shape}`], expect: 'reject' };
  },
  nestedHeader: (rand) => {
    const depth = rand() < 0.5 ? 40 + Math.floor(rand() * 100) : 200_000;
    const header = `{'descr': '|u1', 'fortran_order': False, 'shape': ${'['.repeat(depth)}${']'.repeat(depth)}, }`;
    return { bytes: zipSync({ 'x.npy': rawNpy(header, new Uint8Array(0)) }), ops: [`header nested ${depth} deep`], expect: 'reject' };
  },
  headerDisagrees: (rand) => {
    const n = 4 + Math.floor(rand() * 4);
    const x = rawNpy(dict('|u1', `(${n}, 1, 28, 28)`), new Uint8Array(n * 784 + 1 + Math.floor(rand() * 5000)));
    return { bytes: zipSync({ 'x.npy': x, 'y.npy': labels(n) }, { level: 6 }), ops: ['payload longer than the header says'], expect: 'reject' };
  },
  small: (rand) => {
    const n = 2 + Math.floor(rand() * 8);
    const x = rawNpy(dict('|u1', `(${n}, 1, 28, 28)`), new Uint8Array(n * 784).fill(7));
    return { bytes: zipSync({ 'x.npy': x, 'y.npy': labels(n) }, { level: rand() < 0.5 ? 0 : 6 }), ops: [`valid (${n},1,28,28)`], expect: 'any' };
  },
};

export const NPZ_BOMB_KINDS = Object.keys(NPZ_BOMBS);

export function makeNpzBomb(rand: () => number): Bomb {
  const kind = NPZ_BOMB_KINDS[Math.floor(rand() * NPZ_BOMB_KINDS.length)]!;
  const b = NPZ_BOMBS[kind]!(rand);
  return { ...b, ops: [`npz-bomb:${kind}`, ...b.ops] };
}

// ── Image folders ──

export const IMAGE_VARIANTS = ['fifo', 'devzero', 'loop', 'bigFile', 'dirNamedPng', 'tooMany', 'valid'] as const;
export type ImageVariant = (typeof IMAGE_VARIANTS)[number];
const MUST_REJECT: Record<ImageVariant, boolean> = { fifo: true, devzero: true, loop: true, bigFile: true, dirNamedPng: true, tooMany: true, valid: false };

export interface ImageSpec {
  variant: ImageVariant;
  /** Extra bytes past the file-size cap, or extra files past the count cap. */
  extra: number;
}

export function makeImageBomb(rand: () => number): Bomb {
  const variant = IMAGE_VARIANTS[Math.floor(rand() * IMAGE_VARIANTS.length)]!;
  const spec: ImageSpec = { variant, extra: 1 + Math.floor(rand() * 1000) };
  return { bytes: new TextEncoder().encode(JSON.stringify(spec)), ops: [`images:${variant}`], expect: MUST_REJECT[variant] ? 'reject' : 'any' };
}

let png: Uint8Array | null = null;
/** A valid 28×28 gray PNG. */
function tinyPng(): Uint8Array {
  if (!png) {
    const p = new PNG({ width: 28, height: 28 });
    p.data.fill(128);
    png = new Uint8Array(PNG.sync.write(p));
  }
  return png;
}

/**
 * Builds the folder a spec describes under `root` (ROOT/0, ROOT/1 with a valid image each, plus the hostile
 * entry); returns false when this platform cannot make it (no mkfifo, no /dev/zero), and the case is then a
 * plain valid folder.
 */
export function materializeImageFolder(spec: ImageSpec, root: string): boolean {
  mkdirSync(join(root, '0'), { recursive: true });
  mkdirSync(join(root, '1'), { recursive: true });
  writeFileSync(join(root, '0', 'a.png'), tinyPng());
  writeFileSync(join(root, '1', 'b.png'), tinyPng());
  const bad = join(root, '0', 'x.png');
  switch (spec.variant) {
    case 'fifo':
      return spawnSync('mkfifo', [bad]).status === 0;
    case 'devzero':
      if (process.platform === 'win32') return false;
      symlinkSync('/dev/zero', bad);
      return true;
    case 'loop':
      symlinkSync(bad, bad);
      return true;
    case 'bigFile': {
      const bytes = new Uint8Array(D.maxImageFileBytes + spec.extra);
      bytes.set(tinyPng());
      writeFileSync(bad, bytes);
      return true;
    }
    case 'dirNamedPng':
      mkdirSync(bad);
      return true;
    case 'tooMany':
      for (let i = 0; i < D.maxFiles + (spec.extra % 50); i++) writeFileSync(join(root, '1', `m${i}.png`), tinyPng());
      return true;
    case 'valid':
      return true;
  }
}
