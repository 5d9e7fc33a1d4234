/**
 * The scan plan: which stages a scan runs, with which settings, and why — resolved once, by a pure function of the
 * options and a few facts about the model and the data, before any training. `runScan` executes exactly this plan
 * (stages/), scan.json records it, the panel shows it, and `rnp-scan plan` prints it without running anything, so
 * "what will this scan do?" has one answer wherever it is asked (the CLI's `--mode paper` and VS Code's
 * `rnp.mode: "paper"` give the same plan; a test in the real VS Code host checks that).
 *
 * Before the plan existed, which mode ran was decided by three separate signals (the mode, a null threshold, the
 * trigger flag), and an adaptive scan given a threshold silently lost its hold-out and its repair.
 */
import type { ScanMode, ScanOptions } from './options';
import type { MaskSiteKind } from './mask-site';
import { REPAIR_DEFAULTS } from './rnp/repair-config';

/** The pipeline's stages, in the order they run. */
export const STAGE_ORDER = ['evaluate-before', 'unlearn', 'recover', 'evidence', 'verdict', 'select', 'prune', 'curve', 'repair', 'evaluate-after', 'write'] as const;
export type StageName = (typeof STAGE_ORDER)[number];

/** always: runs; never: skipped (why says so); if-backdoored: runs when the verdict is backdoored (and its inputs exist). */
export type StageWhen = 'always' | 'never' | 'if-backdoored';

export interface PlannedStage {
  stage: StageName;
  when: StageWhen;
  /** Why it runs (or not), in words. */
  why: string;
  /** The settings it runs with (a subset of the options, or derived values). */
  settings: Record<string, unknown>;
}

/** What the plan needs to know about the model and the data (read at load, before any training). */
export interface ScanFacts {
  numClasses: number;
  maskLayers: number;
  maskChannels: number;
  maskSite: MaskSiteKind;
  defenseCount: number;
  hasCleanTest: boolean;
  hasPoisonTest: boolean;
  writePruned: boolean;
}

export interface ScanPlan {
  mode: ScanMode;
  /** Adaptive mode: the stratified share of the defense data held out (never trained on); null in paper mode. */
  holdout: { fraction: number; samples: number } | null;
  /** How the pruning threshold is set: a fixed value (paper mode, or the user's), or chosen from clean data. */
  threshold: { kind: 'fixed'; value: number; prunesWhatever: 'verdict' } | { kind: 'clean-data'; accuracyBudget: number; targetShare: number };
  /** Which unlearning loop: the paper's per-epoch check, or the adaptive per-step check with collapse back-off. */
  unlearning: 'paper' | 'adaptive';
  stages: PlannedStage[];
  facts: ScanFacts;
}

/** Unlearning's SGD settings from the options: what the plan shows and what rnp/unlearn-for-scan.ts runs. */
export function unlearnSettings(o: ScanOptions) {
  return { lr: o.unlearnLr, momentum: o.unlearnMomentum, weightDecay: o.unlearnWeightDecay, batchSize: o.batchSize, maxEpochs: o.unlearnEpochs, cleanThreshold: o.cleanThreshold };
}

/** The plan for `o` (resolved options) on a model and data with `facts`. Pure: same inputs, same plan. */
export function planScan(o: ScanOptions, facts: ScanFacts): ScanPlan {
  const adaptive = o.mode === 'adaptive';
  const holdout = adaptive ? { fraction: o.holdoutFraction, samples: Math.round(facts.defenseCount * o.holdoutFraction) } : null;
  const fixed = o.pruneThreshold !== null;
  const threshold: ScanPlan['threshold'] = fixed ? { kind: 'fixed', value: o.pruneThreshold as number, prunesWhatever: 'verdict' } : { kind: 'clean-data', accuracyBudget: o.accuracyTolerance, targetShare: o.targetShareLevel };
  const tests = facts.hasCleanTest || facts.hasPoisonTest;
  const folded = facts.maskSite === 'conv-output';
  const stage = (s: StageName, when: StageWhen, why: string, settings: Record<string, unknown> = {}): PlannedStage => ({ stage: s, when, why, settings });

  const stages: PlannedStage[] = [
    stage('evaluate-before', 'always', tests ? 'ACC/ASR of the original model on the test sets given' : 'no test set given: metrics stay null', {
      cleanTest: facts.hasCleanTest,
      poisonTest: facts.hasPoisonTest,
    }),
    stage(
      'unlearn',
      'always',
      (adaptive
        ? `gradient ascent on ${facts.defenseCount - (holdout?.samples ?? 0)} training samples (${holdout!.samples} held out), checked after every step: a step that collapses onto one class is undone and retried at half the learning rate`
        : `the paper's unlearning on all ${facts.defenseCount} defense samples, clean accuracy checked per epoch`) +
        (folded ? '; BatchNorm was folded into the convolutions, so there are no batch statistics' : facts.maskSite === 'layernorm' || facts.maskSite === 'groupnorm' ? `; the model normalises with ${facts.maskSite === 'layernorm' ? 'LayerNorm' : 'GroupNorm'}, so there are no batch statistics` : '; BatchNorm in training mode'),
      { ...unlearnSettings(o), ...(adaptive ? { maxGradNorm: o.maxGradNorm } : {}) },
    ),
    stage('recover', 'always', `one mask per channel (${facts.maskChannels} in ${facts.maskLayers} layers, on the ${folded ? 'conv outputs' : facts.maskSite === 'layernorm' ? 'LayerNorm scale' : facts.maskSite === 'groupnorm' ? 'GroupNorm scale' : 'BatchNorm scale'}), learned on the unlearned model`, {
      lr: o.recoverLr,
      momentum: o.recoverMomentum,
      alpha: o.alpha,
      epochs: o.recoverEpochs,
    }),
    o.trigger
      ? stage('evidence', 'always', `Neural Cleanse on each of the ${facts.numClasses} labels of the original model, then the smallest trigger's label's trigger recovered with the unlearned model`)
      : stage('evidence', 'never', adaptive ? 'trigger search off (--no-trigger): the verdict rests on the unlearned model\'s predictions alone' : 'paper mode: no trigger search (--trigger turns it on)'),
    o.trigger
      ? stage('verdict', 'always', 'backdoored / clean / inconclusive from the trigger norms (log-scale MAD, the gap to the next label) and the unlearned model\'s share of the smallest trigger\'s label, by a logistic model fitted on the zoo\'s train split; the label is named only when the unlearned model backs it too, else unknown')
      : stage('verdict', 'always', "RNP's Algorithm 1: the label the unlearned model predicts for most clean inputs (≥ 50%: backdoored)"),
    fixed
      ? stage('select', 'always', adaptive ? `threshold ${o.pruneThreshold} given: channels with mask ≤ it are pruned whatever the verdict` : `the paper's fixed threshold ${o.pruneThreshold}`, {
          threshold: o.pruneThreshold,
        })
      : stage(
          'select',
          'always',
          `whatever the verdict, channels are pruned in mask order: with a named label, until the unlearned model gives it ≤ ${+(o.targetShareLevel * 100).toFixed(2)}% of clean data; otherwise while the original model keeps its accuracy on the hold-out within ${+(o.accuracyTolerance * 100).toFixed(2)} points (backdoored) or half of it`,
          { accuracyBudget: o.accuracyTolerance, targetShare: o.targetShareLevel },
        ),
    stage('prune', 'always', 'zero the selected channels in the original model (the graph keeps its shape)'),
    tests ? stage('curve', 'always', 'ACC/ASR of prune-only models at thresholds 0 … 0.9 (step 0.05)') : stage('curve', 'never', 'no test set given'),
    repairStage(o),
    stage('evaluate-after', 'always', tests ? 'ACC/ASR of the model the scan exports' : 'no test set given: metrics stay null', {}),
    stage('write', 'always', `scan.json${facts.writePruned ? ' and the pruned (or repaired) model, written atomically' : ' only (--no-export)'}`, { pruned: facts.writePruned }),
  ];
  return { mode: o.mode, holdout, threshold, unlearning: adaptive ? 'adaptive' : 'paper', stages, facts };

  function repairStage(opts: ScanOptions): PlannedStage {
    if (!adaptive) return stage('repair', 'never', "paper mode: the authors' algorithm prunes only");
    if (!opts.repair) return stage('repair', 'never', 'repair off (--no-repair)');
    if (!opts.trigger) return stage('repair', 'never', 'the repair stamps the recovered triggers, and the trigger search is off (--no-trigger)');
    return stage(
      'repair',
      'always',
      `whatever the verdict: fine-tune the pruned model with half of each batch stamped with the smallest trigger's label's recovered triggers and the sweep's triggers of up to ${REPAIR_DEFAULTS.otherLabels.count} next-smallest labels within ${REPAIR_DEFAULTS.otherLabels.maxRatio}× of it, at their true labels, pruned channels held at zero; the epoch kept is the one the triggers fail on most within a budget on the hold-out (KL from the original's answers and its accuracy, tighter unless the verdict is backdoored)`,
      { maxEpochs: REPAIR_DEFAULTS.epochs, patience: REPAIR_DEFAULTS.patience, batchStats: REPAIR_DEFAULTS.batchStats, otherLabels: REPAIR_DEFAULTS.otherLabels.count, otherLabelsMaxRatio: REPAIR_DEFAULTS.otherLabels.maxRatio },
    );
  }
}

/** The stage's entry in the plan. */
export function plannedStage(plan: ScanPlan, name: StageName): PlannedStage {
  return plan.stages.find((s) => s.stage === name)!;
}
