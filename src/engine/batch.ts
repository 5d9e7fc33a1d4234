/**
 * A batch of scans (issue #22, `rnp-scan batch`, the extension's "Scan Folder for Backdoors"): find the models
 * under the inputs, take this shard's share, skip what an earlier run already did, scan the rest one by one with
 * runScan, and append one line per finished model to `OUT/results.jsonl`. No CLI, no VS Code: the callers get a
 * per-model callback and the rows.
 *
 * - Discovery: a folder is searched recursively for `*.onnx`, skipping `*.pruned.onnx` and `repaired.onnx` (the
 *   scanner's own outputs), the folders `.rnp-scan`, `node_modules` and `.git`, the batch's own `--out`, and every
 *   symlinked folder (never followed: no loops, nothing outside the tree). A file given by name is scanned whatever
 *   it is called. Each model's outputs go to `OUT/<path relative to the common root of the inputs>/`.
 * - Shards: the models sorted by relative path (code-unit order, the same on every machine); model k belongs to
 *   shard k mod N. N processes given the same inputs and `--out` cover every model exactly once.
 * - Resume: a model whose last row is `done` with the same file sha256 and the same settings (`config`: a hash of
 *   the resolved options and the data files) and whose scan.json is still there is skipped; anything else (a new
 *   or changed model, an error row, other settings) is scanned again. A row is appended only after the model's
 *   outputs are committed, so a kill at any moment loses at most the model in flight.
 * - results.jsonl: every row is one `write(2)` of a whole line on a file opened O_APPEND, at most ROW_MAX_BYTES,
 *   fsynced, and made under a lock file (`.results.jsonl.lock`, created O_EXCL). On a local file system O_APPEND
 *   alone keeps concurrent lines whole (the kernel holds the inode lock for the write); the lock makes it hold on
 *   NFS too, where O_APPEND is emulated by each client from its cached file size and two clients can write at the
 *   same offset. A reader ignores a line that does not parse (a crash mid-write), and a run that finds the file not
 *   ending in a newline first ends it, so a torn line never swallows the next row.
 */
import { createHash, randomBytes } from 'node:crypto';
import { constants as fsConstants, promises as fsp, type Stats } from 'node:fs';
import { hostname } from 'node:os';
import * as path from 'node:path';
import type { BatchEntry, BatchFinding, BatchModel, BatchOutput, BatchRequest, BatchRow, Progress, ScanRequest, Shard } from './jobs';
import type { ScanResult } from './result';
import { resolveOptions, type ScanOptions } from './options';
import { CancelledError, InputError, showName, type ErrorCode } from './errors';
import { notRegularFile } from './regular-file';
import { prunedModelName, REPAIRED_MODEL_NAME, RESULT_NAME } from './output-paths';
import { runScan } from './scan';
import { hashModel } from './file-hash';
export { hashModel } from './file-hash';
import { TOOL_VERSION } from './version';

export const RESULTS_NAME = 'results.jsonl';
/** A row never exceeds this (PIPE_BUF on Linux): the error message is cut to fit. */
export const ROW_MAX_BYTES = 4096;
/** Folders never searched. */
export const SKIPPED_FOLDERS: readonly string[] = ['.rnp-scan', 'node_modules', '.git'];

// The batch's wire types (request, rows, entries, output) are the engine's job types: jobs.ts.
export type { BatchEntry, BatchFinding, BatchModel, BatchOutput, BatchRequest, BatchRow, BatchStatus, Shard } from './jobs';

export type BatchEvent =
  | { kind: 'start'; total: number; discovered: number; skipped: number; root: string; resultsPath: string }
  | { kind: 'model-start'; model: BatchModel; index: number; total: number }
  | { kind: 'model-done'; entry: BatchEntry; done: number; total: number; etaSeconds: number | null };

export interface BatchHooks {
  signal?: AbortSignal;
  /** The scan's own progress, with the model it is about. */
  onProgress?: (p: Progress, model: BatchModel) => void;
  onEvent?: (e: BatchEvent) => void;
}

// ───────────────────────── shards ─────────────────────────

/** "I/N" (0 ≤ I < N) as a Shard; an OPTION_INVALID error otherwise. */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d{1,6})\s*\/\s*(\d{1,6})\s*$/.exec(text);
  if (!m) throw new InputError('OPTION_INVALID', null, `--shard takes I/N (0-based share I of N, e.g. 0/4), got "${showName(text, 40)}"`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index >= count) throw new InputError('OPTION_INVALID', null, `--shard ${index}/${count}: I must be from 0 to N-1 and N at least 1`);
  return { index, count };
}

/** Code-unit order (not the locale's): the same sort on every machine. */
const byRel = (a: BatchModel, b: BatchModel) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0);

/** Shard `shard`'s share of `models` (sorted by rel): model k when k mod count = index. */
export function shardModels(models: readonly BatchModel[], shard: Shard | null | undefined): BatchModel[] {
  const sorted = [...models].sort(byRel);
  return shard ? sorted.filter((_, k) => k % shard.count === shard.index) : sorted;
}

// ───────────────────────── discovery ─────────────────────────

/** The folder every root lies in (by path segments). */
export function commonRoot(dirs: readonly string[]): string {
  if (dirs.length === 0) return path.resolve('.');
  const split = dirs.map((d) => path.resolve(d).split(path.sep));
  const first = split[0];
  let n = first.length;
  for (const s of split.slice(1)) {
    let i = 0;
    while (i < n && i < s.length && s[i] === first[i]) i++;
    n = i;
  }
  return first.slice(0, n).join(path.sep) || path.sep;
}

const isModelName = (name: string) => /\.onnx$/i.test(name) && !/\.pruned\.onnx$/i.test(name) && name.toLowerCase() !== REPAIRED_MODEL_NAME;

/**
 * The models under `inputs` (see the header), sorted by relative path, with their common root. `exclude`: folders
 * never searched (the batch's --out). A missing input is an IO error naming it; no model at all is OPTION_INVALID.
 */
export async function discoverModels(inputs: readonly string[], exclude: readonly string[] = []): Promise<{ root: string; models: BatchModel[] }> {
  if (inputs.length === 0) throw new InputError('OPTION_INVALID', null, 'batch needs at least one folder or model (see --help)');
  const skip = new Set(exclude.map((d) => path.resolve(d)));
  const files: string[] = [];
  const roots: string[] = [];
  for (const input of inputs) {
    const abs = path.resolve(input);
    let st: Stats;
    try {
      st = await fsp.stat(abs);
    } catch (e) {
      throw new InputError('IO', input, (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or folder' : `cannot read: ${(e as Error).message}`);
    }
    if (st.isDirectory()) {
      roots.push(abs);
      await walk(abs, skip, files);
    } else if (st.isFile()) {
      roots.push(path.dirname(abs));
      files.push(abs);
    } else throw notRegularFile(input, st, 'OPTION_INVALID');
  }
  const root = commonRoot(roots);
  const seen = new Set<string>();
  const models: BatchModel[] = [];
  for (const f of files) {
    const real = await fsp.realpath(f).catch(() => f);
    if (seen.has(real)) continue;
    seen.add(real);
    models.push({ path: f, rel: path.relative(root, f).split(path.sep).join('/') });
  }
  if (models.length === 0) throw new InputError('OPTION_INVALID', inputs.length === 1 ? inputs[0] : null, 'no .onnx models found (searched recursively; *.pruned.onnx, repaired.onnx, .rnp-scan/ and node_modules/ are skipped)');
  models.sort(byRel);
  return { root, models };
}

async function walk(dir: string, skip: ReadonlySet<string>, out: string[]): Promise<void> {
  if (skip.has(dir)) return;
  let entries;
  try {
    entries = await fsp.readdir(dir, { withFileTypes: true });
  } catch (e) {
    throw new InputError('IO', dir, `cannot list the folder: ${(e as Error).message}`);
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (!SKIPPED_FOLDERS.includes(e.name)) await walk(p, skip, out);
    } else if (isModelName(e.name)) {
      if (e.isFile()) out.push(p);
      else if (e.isSymbolicLink()) {
        // A symlinked model file is scanned (its target is read like any model); a symlinked folder is not followed.
        const st = await fsp.stat(p).catch(() => null);
        if (st?.isFile()) out.push(p);
      }
    }
  }
}

// ───────────────────────── results.jsonl ─────────────────────────

const STATUSES: readonly string[] = ['done', 'error'];

function isRow(v: unknown): v is BatchRow {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return typeof r.model === 'string' && STATUSES.includes(r.status as string) && (r.sha256 === null || typeof r.sha256 === 'string');
}

/** The rows of a results.jsonl (none when it does not exist); lines that do not parse are counted and skipped. */
export async function readResults(file: string): Promise<{ rows: BatchRow[]; ignored: number }> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { rows: [], ignored: 0 };
    throw new InputError('IO', file, `cannot read the batch results: ${(e as Error).message}`);
  }
  const rows: BatchRow[] = [];
  let ignored = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const v: unknown = JSON.parse(line);
      if (isRow(v)) rows.push(v);
      else ignored++;
    } catch {
      ignored++;
    }
  }
  return { rows, ignored };
}

/** The last row of each model. */
export function latestRows(rows: readonly BatchRow[]): Map<string, BatchRow> {
  const m = new Map<string, BatchRow>();
  for (const r of rows) m.set(r.model, r);
  return m;
}

/** `row` as one line of at most ROW_MAX_BYTES (the error message cut to fit). */
export function rowLine(row: BatchRow): string {
  let line = JSON.stringify(row) + '\n';
  if (Buffer.byteLength(line) <= ROW_MAX_BYTES) return line;
  const over = Buffer.byteLength(line) - ROW_MAX_BYTES;
  const error = row.error ? row.error.slice(0, Math.max(0, row.error.length - over - 8)) + '…' : row.error;
  line = JSON.stringify({ ...row, error }) + '\n';
  if (Buffer.byteLength(line) > ROW_MAX_BYTES) throw new InputError('OPTION_INVALID', row.model, `the model path is too long for a results row (${ROW_MAX_BYTES} bytes)`);
  return line;
}

const LOCK_STALE_MS = 10_000;
const LOCK_WAIT_MS = 60_000;

/** Holds `${dir}/.results.jsonl.lock` (O_EXCL) while `fn` runs; a lock older than LOCK_STALE_MS is broken. */
async function withLock<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const lock = path.join(path.dirname(file), `.${path.basename(file)}.lock`);
  const start = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      const h = await fsp.open(lock, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, 0o644);
      await h.write(`${process.pid}@${hostname()} ${new Date().toISOString()}\n`).catch(() => undefined);
      await h.close();
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new InputError('IO', lock, `cannot take the results lock: ${(e as Error).message}`);
      const st = await fsp.stat(lock).catch(() => null);
      if (st && Date.now() - st.mtimeMs > LOCK_STALE_MS) {
        // Left by a killed writer (an append takes milliseconds): move it aside atomically, so of two breakers one wins.
        const aside = `${lock}.stale-${randomBytes(4).toString('hex')}`;
        if (await fsp.rename(lock, aside).then(() => true, () => false)) await fsp.unlink(aside).catch(() => undefined);
        continue;
      }
      if (Date.now() - start > LOCK_WAIT_MS) throw new InputError('IO', lock, `the results lock is held for over ${LOCK_WAIT_MS / 1000} s; remove it if no batch is running`);
      await new Promise((r) => setTimeout(r, Math.min(200, 5 + attempt * 5) + Math.random() * 20));
    }
  }
  try {
    return await fn();
  } finally {
    await fsp.unlink(lock).catch(() => undefined);
  }
}

/** Appends `line` (one whole line) with a single write on an O_APPEND descriptor, then fsyncs. */
async function appendLine(file: string, line: string, healFirst: boolean): Promise<void> {
  const h = await fsp.open(file, fsConstants.O_WRONLY | fsConstants.O_APPEND | fsConstants.O_CREAT, 0o644);
  try {
    let text = line;
    if (healFirst) {
      // A torn last line (a crash mid-write) must not swallow this row: end it first, in the same write.
      const st = await h.stat();
      if (st.size > 0) {
        const last = Buffer.alloc(1);
        const r = await fsp.open(file, 'r');
        try {
          await r.read(last, 0, 1, st.size - 1);
        } finally {
          await r.close();
        }
        if (last[0] !== 0x0a) text = '\n' + line;
      }
    }
    const buf = Buffer.from(text);
    const { bytesWritten } = await h.write(buf, 0, buf.length);
    if (bytesWritten !== buf.length) throw new Error(`short write (${bytesWritten} of ${buf.length} bytes)`);
    await h.sync();
  } finally {
    await h.close();
  }
}

/** Appends one row to results.jsonl as described in the header. */
export async function appendRow(file: string, row: BatchRow): Promise<void> {
  const line = rowLine(row);
  await withLock(file, () => appendLine(file, line, true)).catch((e) => {
    if (e instanceof InputError) throw e;
    throw new InputError('IO', file, `cannot append to the batch results: ${(e as Error).message}`);
  });
}

// ───────────────────────── the batch ─────────────────────────

/** What a row's `config` hashes: the resolved options, whether models are exported, and the data files' contents. */
export async function batchConfig(req: Pick<BatchRequest, 'options' | 'writePruned' | 'data' | 'cleanTest' | 'poisonTest'>): Promise<string> {
  const o = resolveOptions(req.options);
  const data = async (p: string | undefined) => {
    if (!p) return null;
    const st = await fsp.stat(p).catch(() => null);
    // A file by its content; an image folder (or a missing path: the scan will say so) by its path.
    return st?.isFile() ? await hashModel(p).catch(() => path.resolve(p)) : path.resolve(p);
  };
  const key = { tool: TOOL_VERSION, options: o, writePruned: req.writePruned, data: await data(req.data), cleanTest: await data(req.cleanTest), poisonTest: await data(req.poisonTest) };
  return createHash('sha256').update(JSON.stringify(key)).digest('hex').slice(0, 16);
}

/** The folder of a model's outputs in the batch. */
export function modelOutDir(outDir: string, model: BatchModel): string {
  return path.join(path.resolve(outDir), ...model.rel.split('/'));
}

export function findingOf(r: ScanResult): BatchFinding {
  return { verdict: r.verdict, detectedLabel: r.detectedLabel, confidence: r.confidence, evidence: r.evidence, before: r.before, after: r.after };
}

/** The finding of a done entry, read from its scan.json when it was not scanned in this run (null if unreadable). */
export async function loadFinding(entry: BatchEntry): Promise<BatchFinding | null> {
  if (entry.finding) return entry.finding;
  if (!entry.resultPath) return null;
  try {
    return findingOf(JSON.parse(await fsp.readFile(entry.resultPath, 'utf8')) as ScanResult);
  } catch {
    return null;
  }
}

function errorRow(model: BatchModel, e: unknown, sha: string | null, seconds: number, base: Pick<BatchRow, 'config' | 'shard'>): BatchRow {
  const input = e instanceof InputError;
  const error = input ? e.describe() : `internal error: ${showName(e instanceof Error ? e.message : String(e), 500)}`;
  return { model: model.rel, sha256: sha, verdict: null, detectedLabel: null, status: 'error', error, code: input ? e.code : 'INTERNAL', seconds, ...base, at: new Date().toISOString() };
}

const isCancel = (e: unknown) => (e as { code?: string } | null)?.code === 'CANCELLED';

/**
 * Runs the batch (see the header). Throws only for the batch as a whole (bad inputs, an unwritable --out or
 * results file, cancel); a model that fails is an error row and the batch goes on.
 */
export async function runBatch(req: BatchRequest, hooks: BatchHooks = {}): Promise<BatchOutput> {
  const t0 = performance.now();
  const outDir = path.resolve(req.outDir);
  const { root, models } = await discoverModels(req.inputs, [outDir]);
  const mine = shardModels(models, req.shard);
  await fsp.mkdir(outDir, { recursive: true }).catch((e) => {
    throw new InputError('OUTPUT_INVALID', req.outDir, `cannot make the output folder: ${(e as Error).message}`);
  });
  const resultsPath = path.join(outDir, RESULTS_NAME);
  const { rows, ignored } = await readResults(resultsPath);
  const previous = latestRows(rows);
  const config = await batchConfig(req);
  const base = { config, shard: req.shard ? `${req.shard.index}/${req.shard.count}` : null };

  // What an earlier run already did: same file, same settings, report still there.
  const plan: { model: BatchModel; sha: string | null; reuse: BatchRow | null; hashError: unknown }[] = [];
  for (const model of mine) {
    if (hooks.signal?.aborted) throw new CancelledError();
    let sha: string | null = null;
    let hashError: unknown = null;
    try {
      sha = await hashModel(model.path);
    } catch (e) {
      hashError = e;
    }
    const prev = previous.get(model.rel);
    const resultPath = path.join(modelOutDir(outDir, model), RESULT_NAME);
    const reuse = sha && prev?.status === 'done' && prev.sha256 === sha && prev.config === config && (await fsp.stat(resultPath).then((s) => s.isFile(), () => false)) ? prev : null;
    plan.push({ model, sha, reuse, hashError });
  }
  const skipped = plan.filter((p) => p.reuse).length;
  hooks.onEvent?.({ kind: 'start', total: mine.length, discovered: models.length, skipped, root, resultsPath });

  const entries: BatchEntry[] = [];
  let done = 0;
  let scannedSeconds = 0;
  let scanned = 0;
  const eta = () => (scanned === 0 ? null : (scannedSeconds / scanned) * plan.slice(entries.length).filter((p) => !p.reuse).length);
  for (const [index, p] of plan.entries()) {
    const { model } = p;
    const out = modelOutDir(outDir, model);
    if (p.reuse) {
      const entry: BatchEntry = { model, row: p.reuse, skipped: true, resultPath: path.join(out, RESULT_NAME), finding: null };
      entries.push(entry);
      hooks.onEvent?.({ kind: 'model-done', entry, done: ++done, total: mine.length, etaSeconds: eta() });
      continue;
    }
    if (hooks.signal?.aborted) throw new CancelledError();
    hooks.onEvent?.({ kind: 'model-start', model, index, total: mine.length });
    const ts = performance.now();
    const secs = () => Math.round(performance.now() - ts) / 1000;
    let entry: BatchEntry;
    if (p.hashError) {
      entry = { model, row: errorRow(model, p.hashError, null, secs(), base), skipped: false, resultPath: null, finding: null };
    } else {
      const sreq: ScanRequest = { model: model.path, data: req.data, cleanTest: req.cleanTest, poisonTest: req.poisonTest, outDir: out, options: req.options, writePruned: req.writePruned, prunedDir: out };
      try {
        const { result, resultPath } = await runScan(sreq, { signal: hooks.signal, onProgress: (pr) => hooks.onProgress?.(pr, model) });
        const row: BatchRow = { model: model.rel, sha256: result.modelSha256, verdict: result.verdict, detectedLabel: result.detectedLabel, status: 'done', error: null, code: null, seconds: secs(), ...base, at: new Date().toISOString() };
        entry = { model, row, skipped: false, resultPath, finding: findingOf(result) };
      } catch (e) {
        if (isCancel(e) || hooks.signal?.aborted) throw e;
        entry = { model, row: errorRow(model, e, p.sha, secs(), base), skipped: false, resultPath: null, finding: null };
      }
    }
    await appendRow(resultsPath, entry.row);
    scanned++;
    scannedSeconds += entry.row.seconds;
    entries.push(entry);
    hooks.onEvent?.({ kind: 'model-done', entry, done: ++done, total: mine.length, etaSeconds: eta() });
  }
  return { root, outDir, resultsPath, discovered: models.length, entries, ignoredLines: ignored, seconds: Math.round(performance.now() - t0) / 1000 };
}

/** For the report: the names the scan writes into a model's folder (scan.json, NAME.pruned.onnx, repaired.onnx). */
export function modelOutputs(outDir: string, model: BatchModel): { result: string; pruned: string; repaired: string } {
  const dir = modelOutDir(outDir, model);
  return { result: path.join(dir, RESULT_NAME), pruned: path.join(dir, prunedModelName(model.path)), repaired: path.join(dir, REPAIRED_MODEL_NAME) };
}
