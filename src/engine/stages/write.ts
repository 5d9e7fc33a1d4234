/**
 * Stage `write`: the ScanResult, then the files — the repaired model beside scan.json, the exported model, and
 * scan.json last, with the models' sha256 in it (destinations.ts commitOutputs: a kill at any instant leaves the
 * old pair, no report, or the new pair) — so a cancel or a failure before this stage leaves nothing behind and
 * the model file is only ever read. The destinations were checked before the scan started (scan.ts).
 */
import * as path from 'node:path';
import type { LayerMasks, PhaseSeconds, ScanResult } from '../result';
import { encodeOnnxWithInitializers } from '../onnx/write';
import { checkDestinations, commitOutputs, type Artefact, type DestinationCheck } from '../destinations';
import { describeDataset } from '../data/load';
import { checkpoint } from '../train/pass-context';
import { TOOL_VERSION } from '../version';
import { defaultOutDir, prunedModelName, REPAIRED_MODEL_NAME, RESULT_NAME } from '../output-paths';
import { need, type ScanContext, type Stage } from './context';

/** Per-phase seconds, totalled and rounded to milliseconds. */
export function finishSeconds(s: PhaseSeconds): PhaseSeconds {
  const out = { ...s };
  out.total = s.load + s.unlearn + s.recover + s.prune + s.evaluate + s.evidence + s.repair;
  for (const k of Object.keys(out) as (keyof PhaseSeconds)[]) out[k] = Math.round(out[k] * 1000) / 1000;
  return out;
}

/** Where the scan writes: scan.json's folder and the exported model's path (null with --no-export). */
export function outputPaths(ctx: Pick<ScanContext, 'req'>): { outDir: string; prunedPath: string | null } {
  const { req } = ctx;
  const outDir = req.outDir || defaultOutDir(req.model);
  const prunedPath = req.writePruned ? path.join(req.prunedDir ?? path.dirname(req.model), prunedModelName(req.model)) : null;
  return { outDir, prunedPath };
}

/** What the scan reads and writes, for destinations.ts (checked before the scan, and again, making folders, here). */
export function destinationsOf(req: ScanContext['req']): DestinationCheck {
  const { outDir, prunedPath } = outputPaths({ req });
  return {
    inputs: [req.model, req.data, req.cleanTest, req.poisonTest, req.labels],
    outDir,
    files: [path.join(outDir, RESULT_NAME), path.join(outDir, REPAIRED_MODEL_NAME), ...(prunedPath ? [prunedPath] : [])],
  };
}

function buildResult(ctx: ScanContext, prunedPath: string | null): ScanResult {
  const { program, o, state } = ctx;
  const label = need(ctx, 'label');
  const pr = need(ctx, 'pruned');
  const masks = need(ctx, 'masks');
  // Masks at full (float32) precision: the adaptive threshold is itself a mask value, so masks rounded for the JSON
  // would put that channel above it (the panel counted one fewer pruned channel, and an export re-pruned from these
  // masks at the scan's threshold pruned one fewer than the scan did).
  const layers: LayerMasks[] = program.maskSites.map((s, i) => ({ name: s.name, kind: s.kind, masks: Array.from(masks[i]) }));
  if (program.bnFolded) {
    ctx.notes.push('The model has no BatchNormalization (the exporter folded it into the convolutions): masks sit on conv output channels, and unlearning ran without batch statistics.');
  }
  if (program.maskSite === 'layernorm' || program.maskSite === 'groupnorm') {
    const norm = program.maskSite === 'layernorm' ? 'LayerNorm' : 'GroupNorm';
    ctx.notes.push(`The model normalises with ${norm}, not BatchNorm: masks sit on the ${norm} scales (one per channel), and unlearning ran without batch statistics. The verdict was fitted on BatchNorm and folded models only (bench/zoo.md): on this model it is less certain.`);
  }
  return {
    schema: 1,
    tool: { name: 'rnp-scan', version: TOOL_VERSION },
    model: path.resolve(ctx.req.model),
    modelSha256: ctx.modelSha256,
    backend: ctx.backend,
    mode: o.mode,
    options: o,
    plan: ctx.plan,
    verdict: label.verdict,
    detectedLabel: label.detectedLabel,
    confidence: Math.round(label.confidence * 1000) / 1000,
    evidence: label.evidence,
    verdictScore:
      label.probability != null && label.candidate != null && state.verdictFeatures
        ? { probability: Math.round(label.probability * 1000) / 1000, candidate: label.candidate, features: state.verdictFeatures }
        : null,
    threshold: need(ctx, 'threshold'),
    thresholdSource: need(ctx, 'thresholdSource'),
    thresholdCandidates: need(ctx, 'thresholdCandidates'),
    prunedCount: pr.count,
    totalChannels: program.maskSites.reduce((a, s) => a + s.channels, 0),
    maskSite: program.maskSite,
    notes: ctx.notes,
    layers,
    before: need(ctx, 'before'),
    after: need(ctx, 'after'),
    curve: state.curve ?? [],
    unlearnHistory: need(ctx, 'unlearnHistory'),
    recoverHistory: need(ctx, 'recoverHistory'),
    labelHistogram: need(ctx, 'labelHistogram'),
    labelScores: need(ctx, 'labelScores'),
    trigger: state.trigger ?? null,
    repair: null,
    prunedModel: prunedPath ? path.resolve(prunedPath) : null,
    numClasses: program.numClasses,
    classNames: ctx.classes?.names ?? null,
    classNamesSource: ctx.classes?.source ?? null,
    data: { defense: describeDataset(ctx.defense), cleanTest: ctx.cleanTest && describeDataset(ctx.cleanTest), poisonTest: ctx.poisonTest && describeDataset(ctx.poisonTest) },
    seconds: finishSeconds(ctx.seconds),
  };
}

export const writeStage: Stage = {
  name: 'write',
  phase: 'evaluate',
  run: async (ctx) => {
    const { outDir, prunedPath } = outputPaths(ctx);
    const result = buildResult(ctx, prunedPath);
    await checkpoint(ctx.hooks.signal);
    // Last step: the writes, so a cancel or failure before here leaves nothing behind. The folders are made now,
    // with every check of the start repeated (a link planted during the scan is refused too).
    await checkDestinations(destinationsOf(ctx.req));
    const repaired = ctx.state.repaired ?? null;
    const exported = repaired ? repaired.weights : need(ctx, 'pruned').replaced;
    // Kept beside scan.json so a later export at this threshold (the panel's) gives the same repaired model.
    const repairedPath = repaired ? path.resolve(outDir, REPAIRED_MODEL_NAME) : null;
    const artefacts: Artefact[] = [];
    const neverOverwrite = [ctx.req.model];
    for (const [dest, weights] of [[repairedPath, repaired?.weights], [prunedPath, exported]] as const) {
      if (!dest || !weights) continue;
      const enc = encodeOnnxWithInitializers(ctx.bytes, weights, ctx.req.model);
      neverOverwrite.push(...enc.externalFiles);
      artefacts.push({ path: dest, bytes: enc.model });
    }
    const resultPath = path.join(outDir, RESULT_NAME);
    await commitOutputs({
      artefacts,
      neverOverwrite,
      report: {
        path: resultPath,
        render: (sha) => {
          if (repaired && repairedPath) result.repair = { ...repaired.info, model: repairedPath, modelSha256: sha.get(repairedPath)! };
          result.prunedModelSha256 = prunedPath ? (sha.get(path.resolve(prunedPath)) ?? null) : null;
          return Buffer.from(JSON.stringify(result, null, 2));
        },
      },
    });
    return { result, resultPath };
  },
};
