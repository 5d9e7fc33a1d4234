/**
 * The engine's entry points: one scan (load → unlearn → recover → prune → evaluate → evidence → write), and the
 * export of a pruned model at a chosen threshold from a saved result. The CLI and the worker call only these.
 * Nothing is written until the scan has finished; every file is written atomically; the model file is only read.
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { mkdir, readFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs-core';
import type { ExportRequest, Phase, Progress, ScanRequest } from './jobs';
import type { CurvePoint, Metrics, ScanResult, PhaseSeconds, LayerMasks, RepairInfo } from './result';
import { defaultOptions, type ScanOptions } from './options';
import { InputError } from './errors';
import { selectBackend } from './backend';
import { readOnnxFile } from './onnx/read';
import { writeOnnxWithInitializers } from './onnx/write';
import { writeFileAtomic } from './atomic-write';
import { compileProgram } from './graph/compile';
import type { Program } from './graph/program';
import { loadDataset, describeDataset } from './data/load';
import type { Dataset } from './data/dataset';
import { unlearnForScan } from './rnp/unlearn-for-scan';
import { nothingPruned, selectAdaptiveThreshold } from './rnp/select-adaptive';
import { repair, REPAIR_DEFAULTS } from './rnp/repair';
import { Snapshot } from './train/snapshot';
import { recover } from './rnp/recover';
import { prune, withReplaced } from './rnp/prune';
import { accuracy, histogram, predict } from './rnp/evaluate';
import { checkpoint } from './train/pass-context';
import { decideLabel } from './evidence/label';
import { gatherTriggerEvidence, labelScoresOf, TRIGGER_DEFAULTS, type TriggerEvidence } from './evidence/trigger-evidence';
import { TOOL_VERSION } from './version';

export interface ScanHooks {
  onProgress?: (p: Progress) => void;
  /** Aborting stops the scan at the next batch boundary with a CancelledError; nothing is left on disk. */
  signal?: AbortSignal;
}

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

/** Thresholds of the ACC/ASR curve (0 .. 0.9 step 0.05, as the reference's sweep). */
export const CURVE_THRESHOLDS = Array.from({ length: 19 }, (_, i) => Math.round(i * 5) / 100);

export function resolveOptions(partial: Partial<ScanOptions>): ScanOptions {
  const o = { ...defaultOptions(partial.mode ?? 'adaptive'), ...partial };
  // null asks for the mode's own choice: the paper's fixed 0.2, or the adaptive selection.
  if (o.pruneThreshold === null && o.mode === 'paper') o.pruneThreshold = 0.2;
  const bad = (what: string) => new InputError('OPTION_INVALID', null, what);
  const positive: (keyof ScanOptions)[] = ['batchSize', 'unlearnLr', 'recoverLr', 'alpha'];
  for (const k of positive) if (!(typeof o[k] === 'number' && (o[k] as number) > 0 && Number.isFinite(o[k] as number))) throw bad(`${k} must be a positive number`);
  for (const k of ['unlearnEpochs', 'recoverEpochs', 'batchSize'] as const) if (!Number.isInteger(o[k]) || o[k] < 0) throw bad(`${k} must be a non-negative integer`);
  for (const k of ['cleanThreshold', 'unlearnMomentum', 'recoverMomentum'] as const) if (!(o[k] >= 0 && o[k] <= 1)) throw bad(`${k} must be in [0, 1]`);
  if (o.pruneThreshold !== null && !(o.pruneThreshold >= 0 && o.pruneThreshold <= 1)) throw bad('pruneThreshold must be in [0, 1]');
  if (!Number.isInteger(o.seed)) throw bad('seed must be an integer');
  if (!Number.isInteger(o.threads) || o.threads < 0) throw bad('threads must be a non-negative integer (0 = one per core)');
  return o;
}

/** Default place for scan.json: `<model dir>/.rnp-scan/<model name>/`. */
export function defaultOutDir(model: string): string {
  return path.join(path.dirname(model), '.rnp-scan', path.basename(model));
}

/** The repaired model's file name in the scan's output folder. */
export const REPAIRED_MODEL_NAME = 'repaired.onnx';

export function prunedModelName(model: string): string {
  return path.basename(model).replace(/\.onnx$/i, '') + '.pruned.onnx';
}

class Clock {
  private t = performance.now();
  readonly seconds: PhaseSeconds = { load: 0, unlearn: 0, recover: 0, prune: 0, evaluate: 0, evidence: 0, repair: 0, total: 0 };
  lap(phase: Exclude<keyof PhaseSeconds, 'total'>): void {
    const now = performance.now();
    this.seconds[phase] += (now - this.t) / 1000;
    this.t = now;
  }
  finish(): PhaseSeconds {
    const s = this.seconds;
    s.total = s.load + s.unlearn + s.recover + s.prune + s.evaluate + s.evidence + s.repair;
    for (const k of Object.keys(s) as (keyof PhaseSeconds)[]) s[k] = Math.round(s[k] * 1000) / 1000;
    return s;
  }
}

interface Loaded<D> {
  program: Program;
  graph: Awaited<ReturnType<typeof readOnnxFile>>['graph'];
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

/** Reads and compiles the model, then the datasets checked against it (the defense data only when asked). */
async function loadAll<D extends string | null>(req: LoadRequest<D>, o: ScanOptions): Promise<Loaded<D extends string ? Dataset : null>> {
  const { graph, bytes } = await readOnnxFile(req.model);
  const program = compileProgram(graph, req.model);
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

export async function runScan(req: ScanRequest, hooks: ScanHooks = {}): Promise<ScanOutput> {
  const o = resolveOptions(req.options);
  const report = (phase: Phase, step: number, total: number, message: string, acc?: number) =>
    hooks.onProgress?.({ phase, step, total, message, acc });
  const clock = new Clock();
  report('load', 0, 0, `loading ${path.basename(req.model)}`);
  const backend = await selectBackend(o.backend, o.threads);
  const { program, graph, bytes, defense, cleanTest, poisonTest } = await loadAll(req, o);
  const numBefore = tf.memory().numTensors;
  try {
    const metrics = (): Metrics => ({ acc: accuracy(program, cleanTest), asr: accuracy(program, poisonTest) });
    clock.lap('load');
    const before = metrics();
    clock.lap('evaluate');
    const notes: string[] = [];
    // Adaptive mode holds out clean data (split inside); unlearning and recovery use the rest.
    const u = await unlearnForScan(program, defense, o, { signal: hooks.signal, onProgress: hooks.onProgress });
    const { rng, trainSet } = u;
    const split = u.holdout ? { holdout: u.holdout } : null;
    const unlearnHistory = u.history;
    if (u.note) notes.push(u.note);
    // Algorithm 1's label evidence: the unlearned model's predictions, BatchNorm on batch statistics as it was driven
    // (its running statistics lag behind; on the SIG and Blend fixtures they hide the target, batch statistics show it).
    const labelHistogram = histogram(predict(program, defense, o.batchSize, true), program.numClasses);
    clock.lap('unlearn');

    const rec = await recover(
      program,
      trainSet,
      { lr: o.recoverLr, momentum: o.recoverMomentum, alpha: o.alpha, batchSize: o.batchSize, epochs: o.recoverEpochs },
      { rng, signal: hooks.signal, onEpoch: (s, n) => report('recover', s.epoch, n, `recovering epoch ${s.epoch}: clean acc ${(s.acc * 100).toFixed(1)}%`, s.acc) },
    );
    clock.lap('recover');

    const pruneAt = (th: number) => {
      const p = prune(graph.initializers, program.maskSites, rec.masks, th);
      program.assign(withReplaced(graph.initializers, p.replaced));
      return p;
    };

    // ── Evidence, then the verdict. The program holds the unlearned weights (recovery trains masks only); the trigger
    // pass (evidence/trigger-evidence.ts, when options.trigger) switches to the original and back. ──
    const unlearned = new Snapshot(program);
    let triggerEvidence: TriggerEvidence | null = null;
    let label: ReturnType<typeof decideLabel>;
    let labelScores: ScanResult['labelScores'];
    let threshold: number;
    let thresholdSource: ScanResult['thresholdSource'] = 'fixed';
    let thresholdCandidates: ScanResult['thresholdCandidates'] = [];
    try {
      if (o.trigger) {
        triggerEvidence = await gatherTriggerEvidence(program, graph.initializers, defense, labelHistogram, TRIGGER_DEFAULTS, {
          signal: hooks.signal,
          onStep: (step, total, message) => report('evidence', step, total, message),
        });
        unlearned.restore();
        clock.lap('evidence');
      }
      labelScores = triggerEvidence?.labelScores ?? labelScoresOf(labelHistogram, null);
      label = triggerEvidence?.verdict ?? decideLabel(labelHistogram, labelScores);

      if (split) {
        // Adaptive: prune only a model found backdoored, up to where the unlearned model lets go of its label.
        const sel =
          label.verdict === 'backdoored' && label.detectedLabel !== null
            ? await selectAdaptiveThreshold(program, defense, labelHistogram, rec.masks, label.detectedLabel, o, hooks.signal)
            : nothingPruned(`The verdict is ${label.verdict}: nothing is pruned (the curve shows what pruning would do).`);
        threshold = sel.threshold;
        thresholdSource = sel.source;
        thresholdCandidates = sel.candidates;
        notes.push(sel.note);
      } else {
        threshold = o.pruneThreshold as number;
      }
    } finally {
      unlearned.dispose();
    }

    // Everything below works on the original weights.
    program.assign(graph.initializers);
    report('prune', 0, 0, 'pruning and evaluating');
    const pr = prune(graph.initializers, program.maskSites, rec.masks, threshold);
    clock.lap('prune');
    const curve: CurvePoint[] = [];
    if (cleanTest || poisonTest) {
      for (const th of CURVE_THRESHOLDS) {
        await checkpoint(hooks.signal);
        // Thresholds rise, so an equal count means the same pruned set: reuse its metrics.
        const prev = curve[curve.length - 1];
        const count = rec.masks.reduce((n, m) => n + m.filter((v) => v <= th).length, 0);
        if (prev && prev.pruned === count) {
          curve.push({ ...prev, threshold: th });
          continue;
        }
        const p = pruneAt(th);
        curve.push({ threshold: th, pruned: p.count, ...metrics() });
      }
    }
    program.assign(withReplaced(graph.initializers, pr.replaced));
    if (split) {
      const heldAfter = accuracy(program, split.holdout) as number;
      program.assign(graph.initializers);
      const heldBefore = accuracy(program, split.holdout) as number;
      program.assign(withReplaced(graph.initializers, pr.replaced));
      if (pr.count > 0) {
        notes.push(
          `Pruning ${pr.count} channels changes held-out clean accuracy (${split.holdout.count} samples) from ${(heldBefore * 100).toFixed(1)}% to ${(heldAfter * 100).toFixed(1)}%` +
            (heldBefore - heldAfter > o.accuracyTolerance && !o.repair
              ? `: removing the backdoor costs more than ${(o.accuracyTolerance * 100).toFixed(0)} points on this model; see the curve for the trade-off.`
              : '.'),
        );
      }
    }
    // ── Repair (adaptive, backdoored, triggers recovered): fine-tune the pruned model with stamped samples. ──
    let repaired: { info: Omit<RepairInfo, 'model' | 'modelSha256'>; weights: Map<string, Float32Array> } | null = null;
    const recovered = triggerEvidence?.recovered;
    if (split && o.repair && label.verdict === 'backdoored' && recovered && recovered.fromUnlearned.label === label.detectedLabel) {
      clock.lap('evaluate');
      const triggers = [recovered.fromUnlearned, recovered.fromOriginal].map((t) => ({ label: t.label, mask: t.mask, pattern: t.pattern, space: recovered.space }));
      const r = await repair(program, graph.initializers, trainSet, split.holdout, pr.pruned.map((f) => f.map((p) => !p)), triggers, REPAIR_DEFAULTS, {
        rng,
        signal: hooks.signal,
        onRepairEpoch: (e, n) =>
          report('repair', e.epoch, n, `repairing epoch ${e.epoch}: held-out acc ${(e.holdoutAcc * 100).toFixed(1)}%, trigger success ${(e.holdoutTriggerSuccess * 100).toFixed(1)}%`, e.holdoutAcc),
      });
      // The pruned channels stay exactly zero: masks held them, and pruning the fine-tuned weights again makes sure.
      const tuned = program.readInitializers();
      const again = prune(withReplaced(graph.initializers, tuned), program.maskSites, rec.masks, threshold);
      const weights = new Map([...tuned, ...again.replaced]);
      program.assign(withReplaced(graph.initializers, weights));
      const chosen = r.history.find((e) => e.epoch === r.chosenEpoch)!;
      notes.push(
        `Repair: ${r.history.length - 1} epochs of fine-tuning with half of each batch stamped with label ${label.detectedLabel}'s recovered triggers ` +
          `(the original model's answers on the unstamped samples as targets); kept epoch ${r.chosenEpoch}, the closest to the original on the hold-out among those the triggers fail on: ` +
          `held-out accuracy ${(chosen.holdoutAcc * 100).toFixed(1)}%, recovered-trigger success ${(chosen.holdoutTriggerSuccess * 100).toFixed(1)}%.`,
      );
      repaired = { info: { triggerLabel: label.detectedLabel as number, triggerSources: ['unlearned', 'original'], epochs: r.history, chosenEpoch: r.chosenEpoch }, weights };
      clock.lap('repair');
    }
    const after = metrics();
    program.assign(graph.initializers);
    clock.lap('evaluate');

    // Masks at full (float32) precision: the adaptive threshold is itself a mask value, so masks rounded for the JSON
    // would put that channel above it (the panel counted one fewer pruned channel, and an export re-pruned from these
    // masks at the scan's threshold pruned one fewer than the scan did).
    const layers: LayerMasks[] = program.maskSites.map((s, i) => ({ name: s.name, kind: s.kind, masks: Array.from(rec.masks[i]) }));
    if (program.bnFolded) {
      notes.push('The model has no BatchNormalization (the exporter folded it into the convolutions): masks sit on conv output channels, and unlearning ran without batch statistics.');
    }
    const outDir = req.outDir || defaultOutDir(req.model);
    const prunedPath = req.writePruned ? path.join(req.prunedDir ?? path.dirname(req.model), prunedModelName(req.model)) : null;
    const result: ScanResult = {
      schema: 1,
      tool: { name: 'rnp-scan', version: TOOL_VERSION },
      model: path.resolve(req.model),
      modelSha256: createHash('sha256').update(bytes).digest('hex'),
      backend,
      mode: o.mode,
      options: o,
      verdict: label.verdict,
      detectedLabel: label.detectedLabel,
      confidence: Math.round(label.confidence * 1000) / 1000,
      evidence: label.evidence,
      threshold,
      thresholdSource,
      thresholdCandidates,
      prunedCount: pr.count,
      totalChannels: program.maskSites.reduce((a, s) => a + s.channels, 0),
      maskSite: program.bnFolded ? 'conv-output' : 'batchnorm',
      notes,
      layers,
      before,
      after,
      curve,
      unlearnHistory,
      recoverHistory: rec.history,
      labelHistogram,
      labelScores,
      trigger: triggerEvidence?.trigger ?? null,
      repair: null,
      prunedModel: prunedPath ? path.resolve(prunedPath) : null,
      numClasses: program.numClasses,
      data: { defense: describeDataset(defense), cleanTest: cleanTest && describeDataset(cleanTest), poisonTest: poisonTest && describeDataset(poisonTest) },
      seconds: clock.finish(),
    };
    await checkpoint(hooks.signal);
    // Last step: the writes (atomic), so a cancel or failure before here leaves nothing behind.
    await mkdir(outDir, { recursive: true });
    const exported = repaired ? repaired.weights : pr.replaced;
    if (repaired) {
      // Kept beside scan.json so a later export at this threshold (the panel's) gives the same repaired model.
      const repairedPath = path.join(outDir, REPAIRED_MODEL_NAME);
      await writeOnnxWithInitializers(bytes, repaired.weights, repairedPath, req.model);
      const sha = createHash('sha256').update(await readFile(repairedPath)).digest('hex');
      result.repair = { ...repaired.info, model: path.resolve(repairedPath), modelSha256: sha };
    }
    if (prunedPath) {
      await mkdir(path.dirname(prunedPath), { recursive: true });
      await writeOnnxWithInitializers(bytes, exported, prunedPath, req.model);
    }
    const resultPath = path.join(outDir, 'scan.json');
    await writeFileAtomic(resultPath, Buffer.from(JSON.stringify(result, null, 2)));
    return { result, resultPath };
  } finally {
    program.dispose();
    void numBefore;
  }
}

/**
 * Re-prunes the original model at `threshold` with the masks of a saved result and writes it to `dest`; at the scan's
 * own threshold after a repair, copies the repaired model the scan wrote.
 */
export async function exportPruned(req: ExportRequest, hooks: ScanHooks = {}): Promise<ExportOutput> {
  const r = req.result;
  hooks.onProgress?.({ phase: 'export', step: 0, total: 0, message: `exporting ${path.basename(req.dest)}` });
  if (path.resolve(req.dest) === path.resolve(req.model)) throw new InputError('OPTION_INVALID', req.dest, 'refusing to overwrite the model being scanned');
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
        const acc = accuracy(repairedProgram, loaded.cleanTest);
        const asr = accuracy(repairedProgram, loaded.poisonTest);
        await writeFileAtomic(req.dest, Buffer.from(repairedBytes));
        return { path: path.resolve(req.dest), acc, asr };
      } finally {
        repairedProgram.dispose();
      }
    }
    const masks = r.layers.map((l) => Float32Array.from(l.masks));
    const pr = prune(graph.initializers, program.maskSites, masks, req.threshold);
    program.assign(withReplaced(graph.initializers, pr.replaced));
    const acc = accuracy(program, loaded.cleanTest);
    const asr = accuracy(program, loaded.poisonTest);
    await writeOnnxWithInitializers(bytes, pr.replaced, req.dest, req.model);
    return { path: path.resolve(req.dest), acc, asr };
  } finally {
    program.dispose();
  }
}
