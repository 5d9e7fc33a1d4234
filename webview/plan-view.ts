/**
 * The "What this scan ran" card: the scan's plan (src/engine/plan.ts) as a list of stages, each marked with what
 * happened — ran, skipped, or (for the verdict-gated ones) whether the verdict let it run — and the plan's reason.
 * Reports written before the plan existed have none, and get no card.
 */
import type { ScanResult } from '../src/engine/result';
import type { PlannedStage } from '../src/engine/plan';
import { el } from './dom';

/** What became of a planned stage in this scan, in a word or two. */
export function stageOutcome(s: PlannedStage, r: Pick<ScanResult, 'verdict' | 'repair' | 'prunedCount'>): { status: 'ran' | 'skipped'; text: string } {
  if (s.when === 'always') return { status: 'ran', text: 'ran' };
  if (s.when === 'never') return { status: 'skipped', text: 'skipped' };
  if (s.stage === 'repair') return r.repair ? { status: 'ran', text: 'ran (backdoored)' } : { status: 'skipped', text: `skipped (verdict ${r.verdict})` };
  return r.verdict === 'backdoored' ? { status: 'ran', text: `ran (backdoored, ${r.prunedCount} pruned)` } : { status: 'skipped', text: `nothing pruned (verdict ${r.verdict})` };
}

export function planCard(r: ScanResult): HTMLElement | null {
  const plan = r.plan;
  if (!plan) return null;
  const th = plan.threshold.kind === 'fixed' ? `a fixed threshold of ${plan.threshold.value}` : 'a threshold chosen from clean data';
  return el(
    'section',
    { class: 'card', id: 'plan' },
    el('h2', {}, 'What this scan ran'),
    el('p', { class: 'hint' }, `${plan.mode === 'paper' ? "Paper mode (the authors' settings)" : 'Adaptive mode'}: ${plan.unlearning} unlearning, ${th}, ${plan.holdout ? `${plan.holdout.samples} defense samples held out` : 'no hold-out'}.`),
    el(
      'ol',
      { class: 'plan-stages' },
      ...plan.stages.map((s) => {
        const out = stageOutcome(s, r);
        return el('li', { class: `plan-stage ${out.status}`, 'data-stage': s.stage, 'data-status': out.status }, el('strong', {}, s.stage), ` — ${out.text}: `, el('span', { class: 'hint' }, s.why));
      }),
    ),
  );
}
