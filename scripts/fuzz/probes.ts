/**
 * The attacker-minded tester's probes from issue #17, at their real sizes and the default caps, run against the
 * built CLI (dist/cli.js; `node scripts/build.mjs` first) under `/usr/bin/time -v`; prints one table row each:
 * exit code, seconds, peak RSS and the first line on stderr. Every probe should end in exit 2 with one clear line,
 * in seconds, under ~1 GB RSS, with nothing overwritten (the Ctrl-C probe: exit 130 within a second of the signal).
 *   npx tsx scripts/fuzz/probes.ts [--only SUBSTRING] [--keep]
 * Files are built in a temp folder (about 200 MB, removed unless --keep). Linux (mkfifo, /dev/zero, /usr/bin/time).
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { crc32, constants as zlibConstants, createDeflateRaw } from 'node:zlib';
import { onnx } from 'onnx-proto';
import { PNG } from 'pngjs';
import { rawNpy } from './data-bombs';

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'dist/cli.js');
const DEMO = path.join(ROOT, 'demo');
const MODEL = path.join(DEMO, 'model.onnx');
const DEFENSE = path.join(DEMO, 'defense.npz');
/** Scans that must run to their end (the output probes) stay short. */
const FAST = ['--mode', 'paper', '--unlearn-epochs', '1', '--recover-epochs', '1'];
const TIMEOUT_S = 180;

interface Probe {
  name: string;
  /** What "fixed" looks like, for the last column. */
  expect: string;
  /** Builds the inputs, returns the CLI arguments (and an optional check run after). */
  setup(dir: string): Promise<{ args: string[]; after?: () => string }> | { args: string[]; after?: () => string };
  /** Send SIGINT once the first training progress line appears. */
  sigintAfterTraining?: boolean;
}

// ── Builders ──
const vi = (name: string, dims?: (number | string)[]): onnx.IValueInfoProto => ({
  name,
  type: { tensorType: { elemType: 1, ...(dims ? { shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } : {}) } },
});
const int64s = (name: string, values: number[], dims = [values.length]): onnx.ITensorProto => {
  const raw = new Uint8Array(values.length * 8);
  values.forEach((v, i) => new DataView(raw.buffer).setBigInt64(i * 8, BigInt(v), true));
  return { name, dataType: 7, dims, rawData: raw };
};
function saveModel(file: string, nodes: onnx.INodeProto[], initializer: onnx.ITensorProto[] = [], extra: Partial<onnx.IGraphProto> = {}): string {
  const graph = { name: 'g', node: nodes, initializer, input: [vi('x', ['N', 1, 28, 28])], output: [vi('y')], ...extra };
  writeFileSync(file, onnx.ModelProto.encode({ irVersion: 8, opsetImport: [{ domain: '', version: 13 }], graph }).finish());
  return file;
}

/**
 * A real zip bomb: one stored-name entry `x.npy` whose deflate stream inflates to `header + zeros` (declared
 * sizes and CRC exact), built by streaming zeros through zlib so it never holds the inflated size in memory.
 */
async function zipBomb(file: string, npyHeader: Uint8Array, zeros: number): Promise<void> {
  const deflate = createDeflateRaw({ level: 9, memLevel: 9, strategy: zlibConstants.Z_DEFAULT_STRATEGY });
  const parts: Buffer[] = [];
  deflate.on('data', (b: Buffer) => parts.push(b));
  const done = new Promise<void>((resolve) => deflate.on('end', () => resolve()));
  let crc = crc32(npyHeader);
  deflate.write(npyHeader);
  const chunk = Buffer.alloc(16 << 20);
  for (let left = zeros; left > 0; left -= chunk.length) {
    const c = left >= chunk.length ? chunk : chunk.subarray(0, left);
    crc = crc32(c, crc);
    if (!deflate.write(c)) await new Promise((r) => deflate.once('drain', r));
  }
  deflate.end();
  await done;
  const data = Buffer.concat(parts);
  const size = npyHeader.length + zeros;
  const name = Buffer.from('x.npy');
  const zip64 = size >= 0xffffffff;
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(crc >>> 0, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(zip64 ? 0xffffffff : size, 22);
  local.writeUInt16LE(name.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(crc >>> 0, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(zip64 ? 0xffffffff : size, 24);
  central.writeUInt16LE(name.length, 28);
  let extra = Buffer.alloc(0);
  if (zip64) {
    extra = Buffer.alloc(12);
    extra.writeUInt16LE(1, 0);
    extra.writeUInt16LE(8, 2);
    extra.writeBigUInt64LE(BigInt(size), 4);
  }
  central.writeUInt16LE(extra.length, 30);
  central.writeUInt32LE(0, 42);
  const cdOffset = local.length + name.length + data.length;
  const cd = Buffer.concat([central, name, extra]);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(1, 8);
  eocd.writeUInt16LE(1, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(cdOffset, 16);
  writeFileSync(file, Buffer.concat([local, name, data, cd, eocd]));
}

const dict = (descr: string, shape: string) => `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
function png28(): Buffer {
  const p = new PNG({ width: 28, height: 28 });
  p.data.fill(90);
  return PNG.sync.write(p);
}
const sha = (f: string) => (existsSync(f) ? createHash('sha256').update(readFileSync(f)).digest('hex').slice(0, 12) : 'missing');

const PROBES: Probe[] = [
  {
    name: '60 MB packed attribute ints (60 M one-byte varints)',
    expect: 'exit 2 at the pre-scan',
    setup: (d) => {
      // Written by hand: onnx-proto would build a 60 M-element JS array first.
      const file = path.join(d, 'ints.onnx');
      saveModel(file, [{ name: 'r', opType: 'Relu', input: ['x'], output: ['y'] }]);
      const model = onnx.ModelProto.decode(readFileSync(file));
      const n = 60_000_000;
      const attr = Buffer.concat([Buffer.from([0x0a, 4]), Buffer.from('bomb'), Buffer.from([0xa0, 0x01, 7]), Buffer.from([0x42]), varint(n), Buffer.alloc(n)]);
      model.graph!.node![0].attribute = [];
      const node = Buffer.from(onnx.NodeProto.encode(model.graph!.node![0]).finish());
      const nodeBytes = Buffer.concat([node, Buffer.from([0x2a]), varint(attr.length), attr]);
      const g = model.graph!;
      g.node = [];
      const graph = Buffer.concat([Buffer.from([0x0a]), varint(nodeBytes.length), nodeBytes, Buffer.from(onnx.GraphProto.encode(g).finish())]);
      model.graph = null;
      writeFileSync(file, Buffer.concat([Buffer.from(onnx.ModelProto.encode(model).finish()), Buffer.from([0x3a]), varint(graph.length), graph]));
      return { args: [file, '--data', DEFENSE] };
    },
  },
  {
    name: '60 MB value_info dims (30 M entries)',
    expect: 'exit 2 at the pre-scan',
    setup: (d) => {
      const file = path.join(d, 'dims.onnx');
      saveModel(file, [{ name: 'r', opType: 'Relu', input: ['x'], output: ['y'] }]);
      const n = 30_000_000;
      // value_info { name: 'v', type { tensor_type { elem_type: 1, shape { dim {} × n } } } }
      const shape = Buffer.alloc(n * 2);
      for (let i = 0; i < n; i++) shape[2 * i] = 0x0a;
      const tensorType = Buffer.concat([Buffer.from([0x08, 1, 0x12]), varint(shape.length), shape]);
      const type = Buffer.concat([Buffer.from([0x0a]), varint(tensorType.length), tensorType]);
      const valueInfo = Buffer.concat([Buffer.from([0x0a, 1, 0x76, 0x12]), varint(type.length), type]);
      const model = onnx.ModelProto.decode(readFileSync(file));
      const graph = Buffer.concat([Buffer.from(onnx.GraphProto.encode(model.graph!).finish()), Buffer.from([0x6a]), varint(valueInfo.length), valueInfo]);
      model.graph = null;
      writeFileSync(file, Buffer.concat([Buffer.from(onnx.ModelProto.encode(model).finish()), Buffer.from([0x3a]), varint(graph.length), graph]));
      return { args: [file, '--data', DEFENSE] };
    },
  },
  {
    name: '60 MB packed attribute floats (15 M)',
    expect: 'exit 2 at the pre-scan',
    setup: (d) => ({
      args: [saveModel(path.join(d, 'floats.onnx'), [{ name: 'h', opType: 'Hardmax', input: ['x'], output: ['y'], attribute: [{ name: 'bomb', type: 6, floats: new Float32Array(15_000_000) as unknown as number[] }] }]), '--data', DEFENSE],
    }),
  },
  {
    name: 'ConstantOfShape int64 [1e9]',
    expect: 'exit 2 naming the node',
    setup: (d) => ({ args: [saveModel(path.join(d, 'cos.onnx'), [{ name: 'fill', opType: 'ConstantOfShape', input: ['s'], output: ['y'], attribute: [{ name: 'value', type: 4, t: int64s('v', [1], [1]) }] }], [int64s('s', [1e9])]), '--data', DEFENSE] }),
  },
  {
    name: 'Range(0, 3e9)',
    expect: 'exit 2 naming the node',
    setup: (d) => ({ args: [saveModel(path.join(d, 'range.onnx'), [{ name: 'r', opType: 'Range', input: ['a', 'b', 'c'], output: ['y'] }], [int64s('a', [0], []), int64s('b', [3e9], []), int64s('c', [1], [])]), '--data', DEFENSE] }),
  },
  {
    name: 'Tile [1,1,1e5,1e5]',
    expect: 'exit 2 naming the node',
    setup: (d) => ({ args: [saveModel(path.join(d, 'tile.onnx'), [{ name: 't', opType: 'Tile', input: ['x', 'reps'], output: ['y'] }], [int64s('reps', [1, 1, 1e5, 1e5])]), '--data', DEFENSE] }),
  },
  {
    name: 'Pad 5e4',
    expect: 'exit 2 naming the node',
    setup: (d) => ({ args: [saveModel(path.join(d, 'pad.onnx'), [{ name: 'p', opType: 'Pad', input: ['x', 'pads'], output: ['y'] }], [int64s('pads', [0, 0, 5e4, 5e4, 0, 0, 5e4, 5e4])]), '--data', DEFENSE] }),
  },
  {
    name: 'Conv pads 1e6',
    expect: 'exit 2 naming the node',
    setup: (d) => ({ args: [saveModel(path.join(d, 'conv.onnx'), [{ name: 'c', opType: 'Conv', input: ['x', 'w'], output: ['y'], attribute: [{ name: 'pads', type: 7, ints: [1e6, 1e6, 1e6, 1e6] }] }], [{ name: 'w', dataType: 1, dims: [4, 1, 3, 3], rawData: new Uint8Array(144) }]), '--data', DEFENSE] }),
  },
  {
    name: 'Conv kernel_shape [5,5] with a 3×3 weight',
    expect: 'exit 2 naming the node',
    setup: (d) => ({ args: [saveModel(path.join(d, 'kernel.onnx'), [{ name: 'c', opType: 'Conv', input: ['x', 'w'], output: ['y'], attribute: [{ name: 'kernel_shape', type: 7, ints: [5, 5] }] }], [{ name: 'w', dataType: 1, dims: [4, 1, 3, 3], rawData: new Uint8Array(144) }]), '--data', DEFENSE] }),
  },
  {
    name: 'cyclic graph of long names (11 MB of names)',
    expect: 'exit 2, one short line',
    setup: (d) => {
      const n = 1100;
      const nodes = Array.from({ length: n }, (_, i) => ({ name: `${'n'.repeat(10_000)}${i}`, opType: 'Relu', input: [`v${(i + n - 1) % n}`], output: [`v${i}`] }));
      nodes.push({ name: 'out', opType: 'Relu', input: ['v0'], output: ['y'] });
      return { args: [saveModel(path.join(d, 'cycle.onnx'), nodes), '--data', DEFENSE] };
    },
  },
  {
    name: 'image folder with a FIFO named x.png',
    expect: 'exit 2 naming the file',
    setup: (d) => {
      const root = path.join(d, 'fifo-images');
      mkdirSync(path.join(root, '0'), { recursive: true });
      writeFileSync(path.join(root, '0', 'a.png'), png28());
      spawnSync('mkfifo', [path.join(root, '0', 'x.png')]);
      return { args: [MODEL, '--data', root] };
    },
  },
  {
    name: 'image folder with a .png symlink to /dev/zero',
    expect: 'exit 2 naming the file',
    setup: (d) => {
      const root = path.join(d, 'zero-images');
      mkdirSync(path.join(root, '0'), { recursive: true });
      writeFileSync(path.join(root, '0', 'a.png'), png28());
      symlinkSync('/dev/zero', path.join(root, '0', 'z.png'));
      return { args: [MODEL, '--data', root] };
    },
  },
  {
    name: 'float32 .npz zip bomb (1.8 MB → 1.88 GB)',
    expect: 'exit 2 before inflating',
    setup: async (d) => {
      const n = 600_000;
      const file = path.join(d, 'bomb-f32.npz');
      await zipBomb(file, rawNpy(dict('<f4', `(${n}, 1, 28, 28)`), new Uint8Array(0)), n * 784 * 4);
      return { args: [MODEL, '--data', file] };
    },
  },
  {
    name: 'uint8 .npz zip bomb (1.88 GB of pixels)',
    expect: 'exit 2 before inflating',
    setup: async (d) => {
      const n = 2_400_000;
      const file = path.join(d, 'bomb-u8.npz');
      await zipBomb(file, rawNpy(dict('|u1', `(${n}, 1, 28, 28)`), new Uint8Array(0)), n * 784);
      return { args: [MODEL, '--data', file] };
    },
  },
  {
    name: 'uint8 .npz zip bomb under the byte cap (470 MB of pixels = 1.88 GB as float32)',
    expect: 'exit 2 from the header, before inflating',
    setup: async (d) => {
      const n = 600_000;
      const file = path.join(d, 'bomb-u8-small.npz');
      await zipBomb(file, rawNpy(dict('|u1', `(${n}, 1, 28, 28)`), new Uint8Array(0)), n * 784);
      return { args: [MODEL, '--data', file] };
    },
  },
  {
    name: '.npy header nested 200 000 deep',
    expect: 'exit 2',
    setup: (d) => {
      const file = path.join(d, 'nested.npz');
      const npy = rawNpy(`{'descr': '|u1', 'fortran_order': False, 'shape': ${'['.repeat(200_000)}${']'.repeat(200_000)}, }`, new Uint8Array(0));
      writeFileSync(file, Buffer.from(zipStored('x.npy', npy)));
      return { args: [MODEL, '--data', file] };
    },
  },
  {
    name: 'data file named scan.json inside --out',
    expect: 'exit 2 before any work, data untouched (needs destinations.ts wired into the scan)',
    setup: (d) => {
      const out = path.join(d, 'out-data');
      mkdirSync(out);
      const data = path.join(out, 'scan.json');
      copyFileSync(DEFENSE, data);
      const before = sha(data);
      return { args: [MODEL, '--data', data, '--out', out, ...FAST], after: () => (sha(data) === before ? 'data file unchanged' : 'DATA FILE OVERWRITTEN') };
    },
  },
  {
    name: '.rnp-scan symlink planted in the model folder',
    expect: 'exit 2 before any work, nothing written through it (needs wiring)',
    setup: (d) => {
      const folder = path.join(d, 'untrusted');
      const elsewhere = path.join(d, 'elsewhere');
      mkdirSync(folder);
      mkdirSync(elsewhere);
      copyFileSync(MODEL, path.join(folder, 'model.onnx'));
      symlinkSync(elsewhere, path.join(folder, '.rnp-scan'));
      return {
        args: [path.join(folder, 'model.onnx'), '--data', DEFENSE, '--no-export', ...FAST],
        after: () => (spawnSync('find', [elsewhere, '-type', 'f']).stdout.toString().trim() ? 'WRITTEN THROUGH THE LINK' : 'nothing written through the link'),
      };
    },
  },
  {
    name: '--out that is a file',
    expect: 'exit 2 before any work (needs wiring)',
    setup: (d) => {
      const f = path.join(d, 'out-file');
      writeFileSync(f, 'x');
      return { args: [MODEL, '--data', DEFENSE, '--out', f, ...FAST] };
    },
  },
  {
    name: 'read-only model folder (pruned model beside it)',
    expect: 'exit 2 before any work (needs wiring; as root chmod does not stop writes)',
    setup: (d) => {
      const folder = path.join(d, 'readonly');
      mkdirSync(folder);
      copyFileSync(MODEL, path.join(folder, 'model.onnx'));
      const out = path.join(d, 'ro-out');
      chmodSync(folder, 0o555);
      return { args: [path.join(folder, 'model.onnx'), '--data', DEFENSE, '--out', out, ...FAST] };
    },
  },
  {
    name: 'Ctrl-C during training',
    expect: 'exit 130 within 1 s of SIGINT',
    sigintAfterTraining: true,
    setup: (d) => ({ args: [MODEL, '--data', DEFENSE, '--out', path.join(d, 'sigint-out')] }),
  },
];

function varint(n: number): Buffer {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return Buffer.from(out);
}

/** A one-entry stored zip. */
function zipStored(name: string, data: Uint8Array): Uint8Array {
  const n = Buffer.from(name);
  const crc = crc32(data) >>> 0;
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(n.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(n.length, 28);
  const cd = Buffer.concat([central, n]);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(1, 8);
  eocd.writeUInt16LE(1, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(30 + n.length + data.length, 16);
  return Buffer.concat([local, n, Buffer.from(data), cd, eocd]);
}

interface Row {
  name: string;
  exit: string;
  seconds: string;
  rssMb: string;
  line: string;
  note: string;
}

async function run(p: Probe, dir: string): Promise<Row> {
  const { args, after } = await p.setup(dir);
  const stats = path.join(dir, `time-${PROBES.indexOf(p)}.txt`);
  const t0 = performance.now();
  let sigintAt = 0;
  const child = spawn('/usr/bin/time', ['-v', '-o', stats, process.execPath, CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (t: string) => {
    stderr = (stderr + t).slice(-200_000);
    if (p.sigintAfterTraining && !sigintAt && /\[(unlearn|recover)\]/.test(stderr)) {
      sigintAt = performance.now();
      // GNU time ignores SIGINT while it waits; the node process (its child, same group) gets it, as from a terminal.
      process.kill(-child.pid!, 'SIGINT');
    }
  });
  const killer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), TIMEOUT_S * 1000);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  clearTimeout(killer);
  const wall = (performance.now() - t0) / 1000;
  const timeText = existsSync(stats) ? readFileSync(stats, 'utf8') : '';
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(timeText);
  const exit = /Exit status: (\d+)/.exec(timeText)?.[1] ?? (/Command terminated by signal (\d+)/.exec(timeText) ? `signal ${/signal (\d+)/.exec(timeText)![1]}` : String(code));
  const lines = stderr.split('\n').filter((l) => l.trim() && !l.startsWith('[') && !l.startsWith('\r'));
  const first = lines.find((l) => l.startsWith('rnp-scan:')) ?? lines[0] ?? '';
  const seconds = p.sigintAfterTraining && sigintAt ? `${wall.toFixed(1)} (${((performance.now() - sigintAt) / 1000).toFixed(2)} after SIGINT)` : wall.toFixed(1);
  const note = [after?.() ?? '', lines.length > 1 ? `${lines.length} stderr lines` : ''].filter(Boolean).join('; ');
  return { name: p.name, exit: wall >= TIMEOUT_S ? `timeout (${exit})` : exit, seconds, rssMb: rss ? (Number(rss[1]) / 1024).toFixed(0) : '?', line: first.length > 150 ? `${first.slice(0, 150)}… (${first.length} chars)` : first, note };
}

async function main(): Promise<void> {
  if (!existsSync(CLI)) throw new Error('dist/cli.js is missing: run node scripts/build.mjs first');
  const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : null;
  const keep = process.argv.includes('--keep');
  const dir = mkdtempSync(path.join(tmpdir(), 'rnp-probes-'));
  const rows: Row[] = [];
  try {
    for (const p of PROBES) {
      if (only && !p.name.includes(only)) continue;
      const r = await run(p, dir);
      rows.push(r);
      process.stderr.write(`${r.name}: exit ${r.exit}, ${r.seconds} s, ${r.rssMb} MB\n`);
    }
  } finally {
    spawnSync('chmod', ['-R', 'u+w', dir]);
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  console.log('| probe | exit | seconds | peak RSS (MB) | stderr line | note |');
  console.log('|---|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${esc(r.name)} | ${r.exit} | ${r.seconds} | ${r.rssMb} | ${esc(r.line)} | ${esc(r.note)} |`);
}

void main();
