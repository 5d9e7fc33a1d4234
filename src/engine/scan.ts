/**
 * The engine's entry points: one scan (load → plan → the plan's stages), the plan alone, and the export of a pruned
 * model at a chosen threshold from a saved result. The CLI and the worker call only these.
 * The pipeline itself lives in stages/ (one file per stage) and is decided by plan.ts; this file loads the model
 * and data, resolves the plan, and walks it. Nothing is written until the last stage; every file is written
 * atomically; the model file is only read.
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { readFile } from 'node:fs/promises';
import type { ExportRequest, Phase, ScanRequest } from './jobs';
import type { BackendInfo, BackendName, PhaseSeconds, ScanResult } from './result';
import { resolveOptions, type ScanOptions } from './options';
import { planScan, type ScanPlan } from './plan';
import { CancelledError, InputError } from './errors';
import { selectBackend } from './backend';
import { takeGpuError, webgpuTensorLimitBytes } from './webgpu';
import { readOnnxFile } from './onnx/read';
import { resolveClassNames } from './data/class-names';
import { OverallProgress } from './overall-progress';
import { writeOnnxWithInitializers } from './onnx/write';
import { writeFileAtomic } from './atomic-write';
import { compileProgram, compileProgramAsync } from './graph/compile';
import { checkpoint } from './train/pass-context';
import { BATCH_HEADROOM, fitBatchSize, memoryLimitBytes } from './train/batch-fit';
import type { Program } from './graph/program';
import type { IrGraph } from './onnx/ir';
import { loadDataset } from './data/load';
import type { Dataset } from './data/dataset';
import { prune, withReplaced } from './rnp/prune';
import { accuracy } from './rnp/evaluate';
import type { ScanContext, ScanHooks, ScanState } from './stages/context';
import { STAGES } from './stages';
import { baseKey, chainKey } from './stages/cache';
import { destinationsOf } from './stages/write';
import { checkDestinations } from './destinations';

export type { ScanHooks } from './stages/context';
export { resolveOptions } from './options';
export { CURVE_THRESHOLDS } from './stages/curve';
export { defaultOutDir, prunedModelName, REPAIRED_MODEL_NAME } from './output-paths';

export interface ScanOutput {
  result: ScanResult;
  /** Where scan.json was written. */
  resultPath: string;
}

export interface ExportOutput {
  path: string;
  /** Accuracy / attack success of the exported model on the scan's test sets (null where not given). */
  acc: number | null;
  asr: number | null;
}

interface Loaded<D> {
  program: Program;
  graph: IrGraph;
  bytes: Uint8Array;
  defense: D;
  cleanTest: Dataset | null;
  poisonTest: Dataset | null;
}

interface LoadRequest<D> {
  model: string;
  data: D;
  cleanTest?: string;
  poisonTest?: string;
}

/** While loading: a cancel to heed, and where to say how far the compile got. */
interface LoadHooks {
  signal?: AbortSignal;
  report?: (step: number, total: number, message: string) => void;
}

/** Reads and compiles the model, then the datasets checked against it (the defense data only when asked). */
async function loadAll<D extends string | null>(req: LoadRequest<D>, o: ScanOptions, hooks: LoadHooks = {}): Promise<Loaded<D extends string ? Dataset : null>> {
  const { graph, bytes } = await readOnnxFile(req.model);
  await checkpoint(hooks.signal);
  const name = path.basename(req.model);
  const program = await compileProgramAsync(graph, req.model, {
    signal: hooks.signal,
    onProgress: (p) => hooks.report?.(p.done, p.total, `compiling ${name}: node ${p.done} of ${p.total}`),
  });
  try {
    const dopts = { expectShape: program.inputShape, numClasses: program.numClasses, mean: o.preprocess.mean, std: o.preprocess.std };
    const defense = (req.data === null ? null : await loadDataset(req.data, dopts)) as D extends string ? Dataset : null;
    const cleanTest = req.cleanTest ? await loadDataset(req.cleanTest, dopts) : null;
    const poisonTest = req.poisonTest ? await loadDataset(req.poisonTest, dopts) : null;
    return { program, graph, bytes, defense, cleanTest, poisonTest };
  } catch (e) {
    program.dispose();
    throw e;
  }
}

/** The facts the plan needs, read off the loaded model and data. */
function planFor(o: ScanOptions, req: ScanRequest, l: Loaded<Dataset>): ScanPlan {
  return planScan(o, {
    numClasses: l.program.numClasses,
    maskLayers: l.program.maskSites.length,
    maskChannels: l.program.maskSites.reduce((a, s) => a + s.channels, 0),
    maskSite: l.program.maskSite,
    defenseCount: l.defense.count,
    hasCleanTest: l.cleanTest !== null,
    hasPoisonTest: l.poisonTest !== null,
    writePruned: req.writePruned,
  });
}

const MB = 2 ** 20;

/**
 * The options with the batch size fitted to memory (train/batch-fit.ts), and the note that says so when it is
 * smaller than asked; eval passes of the program are chunked to what fits. Not even one sample fitting is an error.
 */
async function fittedOptions(o: ScanOptions, program: Program, backend: BackendName, model: string, limitBytes?: number): Promise<{ o: ScanOptions; note: string | null }> {
  const tensorLimit = backend === 'webgpu' ? webgpuTensorLimitBytes() : null;
  const fit = await fitBatchSize(program, o.batchSize, limitBytes ?? memoryLimitBytes(backend), tensorLimit);
  const need =
    `a training step needs about ${(fit.fixedBytes / MB).toFixed(0)} MB plus ${(fit.perSampleBytes / MB).toFixed(1)} MB per sample` +
    (tensorLimit !== null ? `, and its largest tensor grows by ${(fit.largestTensorPerSampleBytes / MB).toFixed(1)} MB per sample where the GPU holds at most ${(tensorLimit / MB).toFixed(0)} MB in one` : '');
  const limit = `${(fit.limitBytes / MB).toFixed(0)} MB (${limitBytes !== undefined ? 'as set' : backend === 'wasm' ? 'half the machine\'s memory, at most the 4 GiB a WebAssembly heap can hold' : 'half the machine\'s memory'})`;
  if (fit.batchSize < 1) {
    // Over the GPU's buffer limit only: not the model's fault, and wasm has no such limit (runScan falls back).
    if (fit.boundBy === 'tensor') {
      throw new Error(`a tensor of this model does not fit the GPU even at one sample: ${need}`);
    }
    throw new InputError('LIMIT_EXCEEDED', model, `the model does not fit in memory even one sample at a time: ${need}, and the limit is ${limit}`);
  }
  program.limitBatch(fit.largest);
  if (fit.batchSize === o.batchSize) return { o, note: null };
  return {
    o: { ...o, batchSize: fit.batchSize },
    note: `Batch size ${fit.batchSize} instead of ${o.batchSize}: ${need}, and ${fit.batchSize} samples is the most that stays within ${Math.round(BATCH_HEADROOM * 100)}% of the memory limit of ${limit}. Every stage trains and evaluates at that size.`,
  };
}

/** What a scan of `req` would run, and why, without running it (`rnp-scan plan`): reads the model and data only. */
export async function planOnly(req: ScanRequest): Promise<ScanPlan> {
  const o = resolveOptions(req.options);
  const backend = await selectBackend(o.backend, o.threads);
  const l = await loadAll(req, o);
  try {
    // The batch size the scan would fit to memory, so that the plan says what the scan will run.
    return planFor((await fittedOptions(o, l.program, backend.name, req.model)).o, req, l);
  } finally {
    l.program.dispose();
  }
}

export async function runScan(req: ScanRequest, hooks: ScanHooks = {}): Promise<ScanOutput> {
  const o = resolveOptions(req.options);
  // Every output checked (not an input, no planted link, a folder that takes files) before any work: a bad --out
  // fails in milliseconds, not after the scan. Nothing is made yet (the write stage makes the folders), so a
  // cancelled or failed scan leaves nothing behind (destinations.ts).
  await checkDestinations({ ...destinationsOf(req), create: false });
  let overall: OverallProgress | null = null;
  const report = (phase: Phase, step: number, total: number, message: string, acc?: number) =>
    hooks.onProgress?.({ phase, step, total, message, acc, overall: overall?.at(step, total) ?? { fraction: 0, etaSeconds: null } });
  const seconds: PhaseSeconds = { load: 0, unlearn: 0, recover: 0, prune: 0, evaluate: 0, evidence: 0, repair: 0, total: 0 };
  let t = performance.now();
  const lap = (phase: Exclude<keyof PhaseSeconds, 'total'>) => {
    const now = performance.now();
    seconds[phase] += (now - t) / 1000;
    t = now;
  };
  report('load', 0, 0, `loading ${path.basename(req.model)}`);
  const first = await selectBackend(o.backend, o.threads);
  try {
    return await scanOn(first, []);
  } catch (e) {
    if (first.name !== 'webgpu' || !webgpuMayBeTheCause(e)) throw e;
    // A GPU that fails mid-scan (a shader, a lost device, a value it cannot read back) costs the user a rerun on
    // wasm, not the scan: the same stages again (the stage cache keeps what finished), and the report says why.
    const why = (e as Error).message.split('\n')[0]!;
    report('load', 0, 0, `WebGPU failed (${why}); scanning again on WebAssembly`);
    const wasm = await selectBackend('wasm', o.threads);
    const reason = `WebGPU (${first.reason}) failed during the scan: ${why}; ran again on ${wasm.reason.replace(/^requested; /, '')}`;
    for (const k of Object.keys(seconds) as (keyof PhaseSeconds)[]) seconds[k] = 0;
    t = performance.now();
    return await scanOn({ name: wasm.name, reason }, [`The scan fell back from WebGPU to WebAssembly: ${why}`]);
  }

  async function scanOn(backend: BackendInfo, fallbackNotes: string[]): Promise<ScanOutput> {
    const requested = o;
    if (backend.name === 'webgpu') takeGpuError(); // what an earlier scan in this process left is not this scan's
    const loaded = await loadAll(req, requested, { signal: hooks.signal, report: (step, total, message) => report('load', step, total, message) });
    try {
      const { o, note: batchNote } = await fittedOptions(requested, loaded.program, backend.name, req.model, hooks.memoryLimitBytes);
      const plan = planFor(o, req, loaded);
      overall = new OverallProgress(plan.stages.filter((p) => p.when !== 'never').map((p) => p.stage));
      const modelSha256 = createHash('sha256').update(loaded.bytes).digest('hex');
      const notes = [...fallbackNotes, ...(loaded.graph.notes ?? []), ...(batchNote ? [batchNote] : [])];
      const classes = await resolveClassNames({ model: req.model, data: req.data, explicit: req.labels ?? null, folderNames: loaded.defense.classNames ?? null, numClasses: loaded.program.numClasses }, notes);
      const ctx: ScanContext = { req, o, plan, hooks, backend, ...loaded, modelSha256, classes, notes, seconds, state: {}, report };
      lap('load');
      let key = hooks.cache ? baseKey(modelSha256, loaded.defense) : '';
      // A stage the GPU reported an error in fails before its result is kept, in the state or in the stage cache
      // (the rerun on wasm must not load it back).
      const run = async (stage: (typeof STAGES)[keyof typeof STAGES]): Promise<Partial<ScanState>> => {
        const part = await stage.run(ctx);
        const gpuError = backend.name === 'webgpu' ? takeGpuError() : null;
        if (gpuError) throw new Error(`the GPU reported an error during ${stage.name}, so its results cannot be trusted (${gpuError}; out of GPU memory or over the adapter's limits)`);
        return part;
      };
      for (const planned of plan.stages) {
        const stage = STAGES[planned.stage];
        let part: Partial<ScanState>;
        overall.enter(planned.stage);
        const cached = hooks.cache && stage.cache;
        if (planned.when === 'never') part = stage.skipped?.(ctx) ?? {};
        else if (cached) {
          key = chainKey(key, stage.name, stage.cache!.inputs(ctx));
          const hit = await hooks.cache!.get(key);
          if (hit !== undefined) part = stage.cache!.load(hit, ctx);
          else {
            part = await run(stage);
            await hooks.cache!.put(key, await stage.cache!.save(part, ctx));
          }
        } else part = await run(stage);
        Object.assign(ctx.state, part);
        lap(stage.phase);
      }
      return { result: ctx.state.result!, resultPath: ctx.state.resultPath! };
    } finally {
      loaded.program.dispose();
    }
  }
}

/** Errors that another backend would not repeat: bad input and options, and a cancel, end the scan as they are. */
function webgpuMayBeTheCause(e: unknown): boolean {
  if (!(e instanceof Error) || e instanceof CancelledError) return false;
  return !(e instanceof InputError) || e.code === 'MODEL_UNSUPPORTED';
}

/**
 * Re-prunes the original model at `threshold` with the masks of a saved result and writes it to `dest`; at the scan's
 * own threshold after a repair, copies the repaired model the scan wrote.
 */
export async function exportPruned(req: ExportRequest, hooks: ScanHooks = {}): Promise<ExportOutput> {
  const r = req.result;
  hooks.onProgress?.({ phase: 'export', step: 0, total: 0, message: `exporting ${path.basename(req.dest)}` });
  if (path.resolve(req.dest) === path.resolve(req.model)) throw new InputError('OPTION_INVALID', req.dest, 'refusing to overwrite the model being scanned');
  await checkDestinations({ inputs: [req.model, r.data.cleanTest?.path, r.data.poisonTest?.path, r.repair?.model], outDir: null, files: [req.dest] });
  await selectBackend(r.options.backend, r.options.threads ?? 0);
  const o = r.options;
  const loaded = await loadAll({ model: req.model, data: null, cleanTest: r.data.cleanTest?.path, poisonTest: r.data.poisonTest?.path }, o);
  const { program, graph, bytes } = loaded;
  try {
    const sha = createHash('sha256').update(bytes).digest('hex');
    if (sha !== r.modelSha256) throw new InputError('MODEL_INVALID', req.model, 'the model file changed since the scan; scan it again before exporting');
    const sites = program.maskSites;
    if (r.layers.length !== sites.length || r.layers.some((l, i) => l.name !== sites[i].name || l.masks.length !== sites[i].channels)) {
      throw new InputError('MODEL_INVALID', req.model, "the scan result's mask layers do not match this model; scan it again before exporting");
    }
    if (r.repair && req.threshold === r.threshold) {
      // The scan's own threshold: the repaired model it wrote (checked unchanged), not a plain re-pruning.
      const repairedBytes = await readFile(r.repair.model).catch(() => {
        throw new InputError('MODEL_INVALID', r.repair!.model, 'the repaired model of this scan is missing; scan again before exporting');
      });
      if (createHash('sha256').update(repairedBytes).digest('hex') !== r.repair.modelSha256) {
        throw new InputError('MODEL_INVALID', r.repair.model, 'the repaired model changed since the scan; scan again before exporting');
      }
      const repairedProgram = compileProgram((await readOnnxFile(r.repair.model)).graph, r.repair.model);
      try {
        const acc = await accuracy(repairedProgram, loaded.cleanTest);
        const asr = await accuracy(repairedProgram, loaded.poisonTest);
        await writeFileAtomic(req.dest, Buffer.from(repairedBytes));
        return { path: path.resolve(req.dest), acc, asr };
      } finally {
        repairedProgram.dispose();
      }
    }
    const masks = r.layers.map((l) => Float32Array.from(l.masks));
    const pr = prune(graph.initializers, program.maskSites, masks, req.threshold);
    program.assign(withReplaced(graph.initializers, pr.replaced));
    const acc = await accuracy(program, loaded.cleanTest);
    const asr = await accuracy(program, loaded.poisonTest);
    await writeOnnxWithInitializers(bytes, pr.replaced, req.dest, req.model);
    return { path: path.resolve(req.dest), acc, asr };
  } finally {
    program.dispose();
  }
}
