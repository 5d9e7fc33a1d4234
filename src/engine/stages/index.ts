/**
 * The stages by name, in plan order (plan.ts STAGE_ORDER): the one list `runScan` walks. A new defense stage is a
 * file beside these, a name in STAGE_ORDER and an entry here.
 */
import type { StageName } from '../plan';
import type { Stage } from './context';
import { evaluateAfter, evaluateBefore } from './evaluate';
import { unlearnStage } from './unlearn';
import { recoverStage } from './recover';
import { evidenceStage } from './evidence';
import { verdictStage } from './verdict';
import { selectStage } from './select';
import { pruneStage } from './prune';
import { curveStage } from './curve';
import { repairStage } from './repair';
import { writeStage } from './write';

export const STAGES: Record<StageName, Stage> = {
  'evaluate-before': evaluateBefore,
  unlearn: unlearnStage,
  recover: recoverStage,
  evidence: evidenceStage,
  verdict: verdictStage,
  select: selectStage,
  prune: pruneStage,
  curve: curveStage,
  repair: repairStage,
  'evaluate-after': evaluateAfter,
  write: writeStage,
};
