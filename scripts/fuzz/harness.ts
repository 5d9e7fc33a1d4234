/**
 * The fuzz harness: runs seeded cases in a child process (scripts/fuzz/worker.ts) so that a hang is killed on
 * the per-case time limit and a crash of the process (out of memory, native abort) is seen and attributed to
 * its case; the next worker resumes after it. Counts outcomes, tracks the worker's peak RSS, and saves every
 * failing input (crash, timeout, died, invariant) so it can be replayed with `--repro`.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync, zipSync } from 'fflate';
import { parityModels, pythonFixtures, PARITY_DIR } from '../fixture-paths';
import { loadCorpus, makeCase, TARGETS, type CorpusSpec, type Target } from './cases';

export interface FuzzConfig {
  cases: number;
  seed: number;
  /** First case index (to continue or shard a run). */
  start?: number;
  timeoutMs: number;
  /** Printed progress every this many cases; 0 = silent. */
  progressEvery?: number;
  /** Where failing inputs are saved. */
  failureDir?: string;
  spec?: CorpusSpec;
  /** The worker module to run (default scripts/fuzz/worker.ts); the harness's own test swaps in a faulty one. */
  worker?: string;
}

export interface Failure {
  index: number;
  seed: number;
  target: Target;
  source: string;
  ops: string[];
  outcome: string;
  detail: string;
  savedAs: string;
}

export interface FuzzReport {
  seed: number;
  cases: number;
  counts: Record<string, number>;
  byTarget: Record<Target, Record<string, number>>;
  failures: Failure[];
  maxRssBytes: number;
  slowest: { index: number; ms: number };
  workersStarted: number;
  elapsedMs: number;
  corpus: { onnx: string[]; npz: string[] };
}

const WORKER = join(__dirname, 'worker.ts');
/** Parity models above this are skipped: mutating 44 MB per case would make the run slow, not deeper. */
const MAX_CORPUS_FILE = 3 * 1024 * 1024;
/** A worker whose RSS passes this is replaced after its current case (memory of earlier cases must not mask a blow-up). */
const RECYCLE_RSS = 1.5 * 1024 ** 3;

/** Real fixtures: the ONNX test exports (incl. external data), small parity models and their .npz files. */
export function defaultCorpus(): CorpusSpec {
  const fixtures = pythonFixtures();
  const small = (p: string) => statSync(p).size <= MAX_CORPUS_FILE;
  const onnx = [join(fixtures, 'cnn.onnx'), join(fixtures, 'dtypes.onnx'), join(fixtures, 'external', 'model.onnx'), ...parityModels().filter(small)];
  const workDir = mkdtempSync(join(tmpdir(), 'rnp-fuzz-'));
  const npz = existsSync(PARITY_DIR)
    ? readdirSync(PARITY_DIR).filter((f) => f.endsWith('.npz')).map((f) => join(PARITY_DIR, f)).filter(small).sort()
    : [];
  if (npz.length > 0) {
    // A stored (uncompressed) copy too, so mutations reach the .npy headers and data directly.
    const stored = join(workDir, 'stored.npz');
    writeFileSync(stored, zipSync(unzipSync(readFileSync(npz[0])), { level: 0 }));
    npz.push(stored);
  }
  return { onnx, npz, onnxDir: join(fixtures, 'external'), workDir };
}

export async function runFuzz(cfg: FuzzConfig): Promise<FuzzReport> {
  const t0 = Date.now();
  const spec = cfg.spec ?? defaultCorpus();
  const start = cfg.start ?? 0;
  const end = start + cfg.cases;
  const report: FuzzReport = {
    seed: cfg.seed,
    cases: cfg.cases,
    counts: {},
    byTarget: Object.fromEntries(TARGETS.map((t) => [t, {}])) as Record<Target, Record<string, number>>,
    failures: [],
    maxRssBytes: 0,
    slowest: { index: -1, ms: 0 },
    workersStarted: 0,
    elapsedMs: 0,
    corpus: { onnx: spec.onnx, npz: spec.npz },
  };
  const corpus = loadCorpus(spec);
  const failureDir = cfg.failureDir ?? join(tmpdir(), 'rnp-fuzz-failures');
  const record = (index: number, outcome: string, detail: string): void => {
    const c = makeCase(corpus, cfg.seed, index);
    report.counts[outcome] = (report.counts[outcome] ?? 0) + 1;
    report.byTarget[c.target][outcome] = (report.byTarget[c.target][outcome] ?? 0) + 1;
    if (outcome === 'ok' || outcome.startsWith('InputError:')) return;
    mkdirSync(failureDir, { recursive: true });
    const savedAs = join(failureDir, `seed${cfg.seed}-case${index}.${c.target}`);
    writeFileSync(savedAs, c.bytes);
    report.failures.push({ index, seed: cfg.seed, target: c.target, source: c.source, ops: c.ops, outcome, detail, savedAs });
  };

  let next = start;
  let failedBoots = 0;
  while (next < end) {
    const resumeAt = await runWorker(spec, cfg, next, end, report, record);
    if (resumeAt === next) {
      if (++failedBoots >= 3) throw new Error('the fuzz worker failed to start three times');
    } else {
      failedBoots = 0;
    }
    next = resumeAt;
  }
  report.elapsedMs = Date.now() - t0;
  return report;
}

/** One worker process over [from, to); resolves with the index the next worker must start at. */
function runWorker(
  spec: CorpusSpec,
  cfg: FuzzConfig,
  from: number,
  to: number,
  report: FuzzReport,
  record: (index: number, outcome: string, detail: string) => void,
): Promise<number> {
  report.workersStarted++;
  return new Promise((resolve) => {
    // The heap cap turns a runaway allocation into a visible worker death instead of a swapping machine.
    const child = spawn(process.execPath, ['--import', 'tsx', '--max-old-space-size=2048', cfg.worker ?? WORKER], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let current = -1;
    let lastDone = from - 1;
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    let stderrTail = '';
    child.stderr!.on('data', (d: Buffer) => (stderrTail = (stderrTail + d.toString()).slice(-1500)));
    child.on('message', (m: { type: string; index: number; outcome: string; detail: string; ms: number; rss: number }) => {
      if (m.type === 'start') {
        current = m.index;
        timer = setTimeout(() => {
          timedOut = true;
          record(current, 'timeout', `no result within ${cfg.timeoutMs} ms`);
          child.kill('SIGKILL');
        }, cfg.timeoutMs);
      } else if (m.type === 'done') {
        clearTimeout(timer);
        record(m.index, m.outcome, m.detail);
        current = -1;
        lastDone = m.index;
        report.maxRssBytes = Math.max(report.maxRssBytes, m.rss);
        if (m.ms > report.slowest.ms) report.slowest = { index: m.index, ms: m.ms };
        const done = m.index + 1 - (cfg.start ?? 0);
        if (cfg.progressEvery && done % cfg.progressEvery === 0) {
          console.log(`  ${done}/${cfg.cases} cases, ${report.failures.length} failures, worker RSS ${(m.rss / 1e6).toFixed(0)} MB`);
        }
        if (m.rss > RECYCLE_RSS) child.kill('SIGKILL');
      } else if (m.type === 'finished') {
        lastDone = to - 1;
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (current >= 0) {
        if (!timedOut) record(current, 'died', `worker exited (code ${code}, signal ${signal}): ${stderrTail.trim()}`);
        resolve(current + 1);
      } else {
        resolve(lastDone + 1);
      }
    });
    child.send({ spec, seed: cfg.seed, from, to });
  });
}
