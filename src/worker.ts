/**
 * The worker: a child process (forked by the extension, or by tests) that runs one engine job — a scan, an
 * export, a sample ranking, a batch of scans or a model's summary — so that TensorFlow.js never blocks the extension host's event loop and a crash or
 * out-of-memory kills only this process. It speaks the HostToWorker / WorkerToHost protocol over the fork IPC channel and exits when
 * the job is done.
 */
import type { HostToWorker, Progress, WorkerError, WorkerToHost } from './protocol';
import { exportPruned, runScan } from './engine/scan';
import { runSamples } from './engine/samples';
import { loadFinding, runBatch } from './engine/batch';
import { CancelledError, InputError } from './engine/errors';

const abort = new AbortController();
let busy = false;

function send(m: WorkerToHost): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    process.send(m, undefined, {}, () => resolve());
  });
}

export function toWorkerError(e: unknown): WorkerError {
  if (e instanceof InputError) return { code: e.code, message: e.message, file: e.file };
  if (e instanceof CancelledError) return { code: 'CANCELLED', message: e.message, file: null };
  // Anything else is our bug, not the user's input: keep the stack for the output channel.
  const err = e instanceof Error ? e : new Error(String(e));
  process.stderr.write(`${err.stack ?? err.message}\n`);
  return { code: 'INTERNAL', message: err.message, file: null };
}

async function handle(m: HostToWorker): Promise<void> {
  if (m.type === 'cancel') {
    abort.abort();
    return;
  }
  if (busy) {
    await send({ type: 'error', id: m.id, error: { code: 'INTERNAL', message: 'worker is busy with another job', file: null } });
    return;
  }
  busy = true;
  const hooks = { signal: abort.signal, onProgress: (progress: Progress) => void send({ type: 'progress', id: m.id, progress }) };
  try {
    if (m.type === 'scan') {
      const out = await runScan(m.request, hooks);
      await send({ type: 'scanDone', id: m.id, result: out.result, resultPath: out.resultPath });
    } else if (m.type === 'batch') {
      const output = await runBatch(m.request, {
        signal: abort.signal,
        onProgress: hooks.onProgress,
        onEvent: (e) => {
          if (e.kind === 'model-start') void send({ type: 'batchProgress', id: m.id, progress: { done: e.index, total: e.total, etaSeconds: null, current: e.model.rel, row: null } });
          if (e.kind === 'model-done') void send({ type: 'batchProgress', id: m.id, progress: { done: e.done, total: e.total, etaSeconds: e.etaSeconds, current: null, row: e.entry.row } });
        },
      });
      for (const entry of output.entries) if (entry.row.status === 'done') entry.finding = await loadFinding(entry);
      await send({ type: 'batchDone', id: m.id, output });
    } else if (m.type === 'summary') {
      // The CPU backend: compiling a graph to check it needs a backend, not speed, and wasm's start-up would be waste.
      const { selectBackend } = await import('./engine/backend');
      const { summarizeModel } = await import('./engine/model-summary');
      await selectBackend('cpu');
      await send({ type: 'summaryDone', id: m.id, summary: await summarizeModel(m.model) });
    } else if (m.type === 'dataCheck') {
      const { checkDefenseData } = await import('./engine/data-check');
      await send({ type: 'dataCheckDone', id: m.id, check: await checkDefenseData(m.request) });
    } else if (m.type === 'samples') {
      const { model, data, inspect, options, previews } = m.request;
      const output = await runSamples({ model, data, options, outDir: '', writePruned: false }, inspect, hooks, { previews });
      await send({ type: 'samplesDone', id: m.id, output });
    } else {
      const out = await exportPruned(m.request, hooks);
      await send({ type: 'exportDone', id: m.id, path: out.path, acc: out.acc, asr: out.asr });
    }
  } catch (e) {
    await send({ type: 'error', id: m.id, error: toWorkerError(e) });
  } finally {
    // One job per process: leaving lets the host see a clean exit (code 0) and frees all tensors at once.
    process.disconnect?.();
  }
}

if (process.send) {
  process.on('message', (m: HostToWorker) => void handle(m));
  // The host went away (extension host reload or crash): nothing to report to, so stop computing.
  // After our own disconnect at the end of a job, too: exit even if a backend keeps a handle open.
  process.on('disconnect', () => process.exit(0));
} else {
  process.stderr.write('dist/worker.js is started by the RNP extension (child_process.fork); use dist/cli.js on the command line\n');
  process.exitCode = 2;
}
