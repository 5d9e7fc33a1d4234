/**
 * Runs one engine job (scan, export, sample ranking or a batch of scans) in a forked worker process and turns everything that can happen to it —
 * a result, an engine error, a crash, out-of-memory, a timeout, a cancel — into one settled promise. Free of the
 * `vscode` module so it can be tested under plain Node against the real dist/worker.js.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { BatchOutput, BatchProgress, BatchRequest, ExportRequest, HostToWorker, Progress, SamplesRequest, ScanRequest, WorkerError, WorkerToHost } from '../protocol';
import type { ScanResult } from '../engine/result';
import type { SamplesOutput } from '../engine/samples';
import type { ModelSummary } from '../engine/model-summary';
import type { DataCheck, DataCheckRequest } from '../engine/data-check';
import { escapeUnsafe } from '../engine/errors';

export interface JobOptions {
  /** Absolute path of dist/worker.js. */
  workerPath: string;
  memoryMb: number;
  /** Watchdog: the worker is killed after this long (a batch: this long without a model finishing). */
  timeoutMs: number;
  onProgress?: (p: Progress) => void;
  /** A batch: after each model starts and finishes. */
  onBatchProgress?: (p: BatchProgress) => void;
  /** Every chunk of the worker's stdout/stderr, for the output channel. */
  onOutput?: (text: string, stream: 'stdout' | 'stderr') => void;
  /** How long a cancelled worker may take to stop by itself before SIGKILL. */
  cancelGraceMs?: number;
}

export interface ScanDone {
  result: ScanResult;
  resultPath: string;
}
export interface ExportDone {
  path: string;
  acc: number | null;
  asr: number | null;
}

export interface SamplesDone {
  output: SamplesOutput;
}

export interface BatchDone {
  output: BatchOutput;
}

export type FailureKind = 'engine' | 'crash' | 'timeout' | 'cancelled';

export class WorkerFailure extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
    /** Set for kind 'engine': the engine's typed error. */
    readonly workerError: WorkerError | null,
    readonly exitCode: number | null,
    readonly signal: NodeJS.Signals | null,
    /** The last part of the worker's stderr (what a crash printed). */
    readonly stderr: string,
  ) {
    super(message);
    this.name = 'WorkerFailure';
  }
}

/**
 * "FILE: message" for engine errors (the same line the CLI prints), the message otherwise. Both are escaped again
 * here (control and bidi characters as \uXXXX): the file name comes from the user's disk, and the worker is a
 * separate process whose messages the host does not take on trust.
 */
export function describeWorkerError(e: WorkerError): string {
  const message = escapeUnsafe(String(e.message));
  return e.file ? `${escapeUnsafe(String(e.file))}: ${message}` : message;
}

const live = new Set<ChildProcess>();
/** Pids of workers that have not exited yet (diagnostics and tests). */
export function liveWorkerPids(): number[] {
  return [...live].map((c) => c.pid).filter((p): p is number => typeof p === 'number');
}

const STDERR_KEEP = 16_384;
let nextId = 1;

export class WorkerJob<T> {
  readonly done: Promise<T>;
  private child: ChildProcess;
  private cancelled = false;
  private killTimer: NodeJS.Timeout | undefined;
  private readonly cancelGraceMs: number;
  /** performance.now() of cancel() and of the worker's exit, for diagnostics. */
  cancelledAt: number | null = null;
  exitedAt: number | null = null;

  constructor(message: (id: number) => HostToWorker, opts: JobOptions) {
    const id = nextId++;
    // Short: the engine writes nothing before the end, so killing it mid-scan is safe, and Cancel must act within 1 s.
    this.cancelGraceMs = opts.cancelGraceMs ?? 150;
    this.child = fork(opts.workerPath, [], {
      execArgv: [`--max-old-space-size=${opts.memoryMb}`],
      // In desktop VS Code process.execPath is Electron: this makes it behave as plain Node.
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const child = this.child;
    live.add(child);
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (t: string) => opts.onOutput?.(t, 'stdout'));
    child.stderr?.setEncoding('utf8').on('data', (t: string) => {
      stderr = (stderr + t).slice(-STDERR_KEEP);
      opts.onOutput?.(t, 'stderr');
    });
    let timedOut = false;
    const expire = () => {
      timedOut = true;
      child.kill('SIGKILL');
    };
    let watchdog = setTimeout(expire, opts.timeoutMs);
    let outcome: { ok: true; value: unknown } | { ok: false; error: WorkerError } | undefined;

    this.done = new Promise<T>((resolve, reject) => {
      child.on('message', (m: WorkerToHost) => {
        if (m.id !== id) return;
        if (m.type === 'progress') opts.onProgress?.(m.progress);
        else if (m.type === 'batchProgress') {
          // A batch may run for hours: the watchdog is per model, re-armed whenever one finishes.
          if (m.progress.row) {
            clearTimeout(watchdog);
            watchdog = setTimeout(expire, opts.timeoutMs);
          }
          opts.onBatchProgress?.(m.progress);
        } else if (m.type === 'batchDone') outcome = { ok: true, value: { output: m.output } satisfies BatchDone };
        else if (m.type === 'scanDone') outcome = { ok: true, value: { result: m.result, resultPath: m.resultPath } satisfies ScanDone };
        else if (m.type === 'exportDone') outcome = { ok: true, value: { path: m.path, acc: m.acc, asr: m.asr } satisfies ExportDone };
        else if (m.type === 'samplesDone') outcome = { ok: true, value: { output: m.output } satisfies SamplesDone };
        else if (m.type === 'summaryDone') outcome = { ok: true, value: m.summary satisfies ModelSummary };
        else if (m.type === 'dataCheckDone') outcome = { ok: true, value: m.check satisfies DataCheck };
        else if (m.type === 'error') outcome = { ok: false, error: m.error };
      });
      const fail = (kind: FailureKind, msg: string, code: number | null, signal: NodeJS.Signals | null, we: WorkerError | null = null) =>
        reject(new WorkerFailure(kind, msg, we, code, signal, stderr));
      child.on('error', (e) => {
        // fork itself failed (e.g. worker file missing); 'exit' may not follow.
        clearTimeout(watchdog);
        live.delete(child);
        fail('crash', `could not start the worker: ${e.message}`, null, null);
      });
      child.on('exit', (code, signal) => {
        this.exitedAt = performance.now();
        clearTimeout(watchdog);
        clearTimeout(this.killTimer);
        live.delete(child);
        if (this.cancelled) return fail('cancelled', 'cancelled', code, signal);
        if (outcome?.ok) return resolve(outcome.value as T);
        if (outcome && !outcome.ok) {
          if (outcome.error.code === 'CANCELLED') return fail('cancelled', 'cancelled', code, signal, outcome.error);
          return fail('engine', describeWorkerError(outcome.error), code, signal, outcome.error);
        }
        if (timedOut) return fail('timeout', `the worker did not finish within ${Math.round(opts.timeoutMs / 60000)} min and was stopped`, code, signal);
        fail('crash', crashMessage(code, signal, stderr, opts.memoryMb), code, signal);
      });
    });
    child.send(message(id));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Asks the worker to stop, and kills it if it has not exited after the grace period; `done` rejects with 'cancelled'. */
  cancel(graceMs = this.cancelGraceMs): void {
    if (this.cancelled || this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.cancelled = true;
    this.cancelledAt = performance.now();
    if (this.child.connected) this.child.send({ type: 'cancel' } satisfies HostToWorker, () => undefined);
    // A batch of TensorFlow.js work blocks the worker's event loop: do not wait for it to notice.
    this.killTimer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
  }
}

function crashMessage(code: number | null, signal: NodeJS.Signals | null, stderr: string, memoryMb: number): string {
  if (/heap out of memory|Allocation failed/i.test(stderr)) {
    return `the worker ran out of memory (limit ${memoryMb} MB; raise rnp.workerMemoryMb or lower rnp.batchSize)`;
  }
  if (signal) return `the worker was killed by ${signal}`;
  return `the worker exited with code ${code} before answering`;
}

export function startScan(request: ScanRequest, opts: JobOptions): WorkerJob<ScanDone> {
  return new WorkerJob<ScanDone>((id) => ({ type: 'scan', id, request }), opts);
}

export function startExport(request: ExportRequest, opts: JobOptions): WorkerJob<ExportDone> {
  return new WorkerJob<ExportDone>((id) => ({ type: 'export', id, request }), opts);
}

export function startSamples(request: SamplesRequest, opts: JobOptions): WorkerJob<SamplesDone> {
  return new WorkerJob<SamplesDone>((id) => ({ type: 'samples', id, request }), opts);
}

export function startBatch(request: BatchRequest, opts: JobOptions): WorkerJob<BatchDone> {
  return new WorkerJob<BatchDone>((id) => ({ type: 'batch', id, request }), opts);
}

export function startSummary(model: string, opts: JobOptions): WorkerJob<ModelSummary> {
  return new WorkerJob<ModelSummary>((id) => ({ type: 'summary', id, model }), opts);
}

export function startDataCheck(request: DataCheckRequest, opts: JobOptions): WorkerJob<DataCheck> {
  return new WorkerJob<DataCheck>((id) => ({ type: 'dataCheck', id, request }), opts);
}
