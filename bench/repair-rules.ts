/**
 * `npx tsx bench/repair-rules.ts`: which budget the repair should keep its epoch within, fitted on the zoo's train
 * split. Reads the repair studies `npm run bench:zoo -- --split train --modes adaptive --study-repair 20` wrote
 * (.cache/zoo/study/: every repair epoch's hold-out numbers, which the engine chooses by, and its test ACC / ASR,
 * which it never sees), replays the engine's own choice (rnp/repair.ts epochPreference, with its patience) for every
 * budget on a grid, one budget for a "backdoored" verdict and one for any other, and scores each by the issue's
 * criterion (#20): a backdoored model ends with ASR ≤ 5 % and ≤ 2 points of clean accuracy lost, a clean one loses
 * ≤ 1 point. Writes bench/repair-rules.md. Models whose attack did not take are left out, as in bench/zoo.ts.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { epochPreference } from '../src/engine/rnp/repair';
import { REPAIR_DEFAULTS } from '../src/engine/rnp/repair-config';
import { defenseBudgetFor } from '../src/engine/rnp/select-adaptive';
import type { RepairEpoch, ScanResult } from '../src/engine/result';

const ROOT = path.resolve(__dirname, '..');
const STUDY = path.join(ROOT, '.cache', 'zoo', 'study');

interface Row {
  name: string;
  split: 'train' | 'heldout';
  truth: 'backdoored' | 'clean';
  verdict: ScanResult['verdict'];
  accB: number;
  /** The original model's hold-out accuracy, which the budget is against. */
  holdoutAccB: number;
  epochs: RepairEpoch[];
}

function metaOf(name: string): { target: number | null; asr: number; split?: string } {
  const base = name.split('.')[0];
  return base.startsWith('fx_')
    ? JSON.parse(readFileSync(path.join(ROOT, 'fixtures', 'trained', base.slice(3), 'meta.json'), 'utf8'))
    : JSON.parse(readFileSync(path.join(ROOT, 'fixtures', 'zoo', 'models', base, 'meta.json'), 'utf8'));
}

function truthOf(name: string): Row['truth'] | null {
  const meta = metaOf(name);
  if (meta.target === null) return 'clean';
  return meta.asr >= 0.5 ? 'backdoored' : null;
}

/** The committed fixtures join the train split (as in bench/zoo.ts). */
const splitOf = (name: string): 'train' | 'heldout' => (name.startsWith('fx_') ? 'train' : metaOf(name).split === 'heldout' ? 'heldout' : 'train');

const rows: Row[] = [];
for (const f of readdirSync(STUDY).filter((f) => f.endsWith('.json')).sort()) {
  const r = JSON.parse(readFileSync(path.join(STUDY, f), 'utf8')) as ScanResult;
  const truth = truthOf(f);
  if (!truth || !r.repair || r.before.acc === null) continue;
  if (r.repair.epochs.some((e) => !e.test)) throw new Error(`${f} is not a repair study (no per-epoch test numbers)`);
  // Reports before holdoutOriginalAcc existed: epoch 0 is the original itself when nothing was pruned.
  const holdoutAccB = r.repair.holdoutOriginalAcc ?? (r.prunedCount === 0 ? r.repair.epochs[0].holdoutAcc : NaN);
  if (Number.isNaN(holdoutAccB)) throw new Error(`${f}: pruned, and no holdoutOriginalAcc: rerun the study`);
  rows.push({ name: f.replace(/\.adaptive\.json$/, ''), split: splitOf(f), truth, verdict: r.verdict, accB: r.before.acc, holdoutAccB, epochs: r.repair.epochs });
}

/** The engine's loop over a recorded history: the kept epoch under `budget`, with its patience. */
function keptEpoch(epochs: RepairEpoch[], originalHoldoutAcc: number, budget: { repairAccuracy: number; divergence: number }): RepairEpoch {
  const better = epochPreference(originalHoldoutAcc, budget, REPAIR_DEFAULTS.maxTriggerSuccess);
  let best = epochs[0];
  for (const e of epochs.slice(1)) {
    if (better(e, best)) best = e;
    else if (e.epoch - Math.max(best.epoch, REPAIR_DEFAULTS.minEpochs) >= REPAIR_DEFAULTS.patience) break;
  }
  return best;
}

const holdoutOriginal = (r: Row) => r.holdoutAccB;

interface Budget { repairAccuracy: number; divergence: number }
const train = rows.filter((r) => r.split === 'train');
const heldout = rows.filter((r) => r.split === 'heldout');
function score(b: Budget, o: Budget, of: Row[] = train) {
  let ok = 0;
  const drops: number[] = [];
  const fails: string[] = [];
  for (const r of of) {
    const e = keptEpoch(r.epochs, holdoutOriginal(r), r.verdict === 'backdoored' ? b : o);
    const drop = r.accB - e.test!.acc!;
    drops.push(drop);
    const good = r.truth === 'backdoored' ? (e.test!.asr ?? 1) <= 0.05 && drop <= 0.02 : drop <= 0.01;
    if (good) ok++;
    else fails.push(`${r.name} (${r.truth}, ${r.verdict}: epoch ${e.epoch}, drop ${(drop * 100).toFixed(1)}, ASR ${((e.test!.asr ?? NaN) * 100).toFixed(1)})`);
  }
  const sorted = [...drops].sort((x, y) => x - y);
  return { ok, medianDrop: sorted[Math.floor(sorted.length / 2)], maxDrop: sorted[sorted.length - 1], fails };
}

const ACC = [0.01, 0.02, 0.03, 0.04, 0.06];
const KL = [0.03, 0.05, 0.075, 0.1, 0.15, 0.2];
const results: { b: Budget; o: Budget; s: ReturnType<typeof score> }[] = [];
for (const ba of ACC) for (const bk of KL) for (const oa of ACC) for (const ok of KL) {
  const b = { repairAccuracy: ba, divergence: bk };
  const o = { repairAccuracy: oa, divergence: ok };
  results.push({ b, o, s: score(b, o) });
}
// Most rows defended; then the smaller worst and median loss; then the tighter budget (the smaller sum).
results.sort((x, y) => y.s.ok - x.s.ok || x.s.maxDrop - y.s.maxDrop || x.s.medianDrop - y.s.medianDrop || x.b.repairAccuracy + x.b.divergence + x.o.repairAccuracy + x.o.divergence - (y.b.repairAccuracy + y.b.divergence + y.o.repairAccuracy + y.o.divergence));
const now = { b: defenseBudgetFor('backdoored', 0.02), o: defenseBudgetFor('inconclusive', 0.02) };
const cur = score(now.b, now.o);
const fmt = (b: Budget) => `${(b.repairAccuracy * 100).toFixed(0)} pt / KL ${b.divergence}`;
const split = (of: Row[], s: ReturnType<typeof score>) => {
  const bd = of.filter((r) => r.truth === 'backdoored').length;
  const failsB = s.fails.filter((f) => f.includes('(backdoored,')).length;
  return `${bd - failsB}/${bd} | ${of.length - bd - (s.fails.length - failsB)}/${of.length - bd}`;
};
const line = (b: Budget, o: Budget, s: ReturnType<typeof score>) => `| ${fmt(b)} | ${fmt(o)} | ${split(train, s)} | ${(s.medianDrop * 100).toFixed(1)} | ${(s.maxDrop * 100).toFixed(1)} |`;
const best = results[0];
const held = { now: score(now.b, now.o, heldout), best: score(best.b, best.o, heldout) };
const heldLine = (what: string, b: Budget, o: Budget, s: ReturnType<typeof score>) => `| ${what} | ${fmt(b)} | ${fmt(o)} | ${split(heldout, s)} | ${(s.medianDrop * 100).toFixed(1)} | ${(s.maxDrop * 100).toFixed(1)} |`;
const md = [
  '# Repair budget, fitted on the train split (`npx tsx bench/repair-rules.ts`)',
  '',
  `${new Date().toISOString()}; repair studies from .cache/zoo/study/ (\`bench:zoo -- --split S --modes adaptive --study-repair 20\`): ${train.length} train-split scans, ${heldout.length} held-out; every repair ran 20 epochs with the test sets measured after each, and the engine's epoch choice (rnp/repair.ts epochPreference, its patience) is replayed on each budget. Criterion (#20): a backdoored model ends with ASR ≤ 5 % and ≤ 2 points of clean accuracy lost, a clean one loses ≤ 1 point (test sets, 1000 samples each). The grid is searched on the train split only; the held-out rows are scored once, with the budget the engine has and the train split's best.`,
  '',
  '## Train split',
  '',
  '| backdoored verdict: accuracy floor / KL | other verdicts | backdoored defended | clean kept | ACC drop median | max |',
  '| --- | --- | --- | --- | ---: | ---: |',
  line(now.b, now.o, cur) + ' ← the engine now',
  ...results.slice(0, 12).map((r) => line(r.b, r.o, r.s)),
  '',
  (() => {
    // The most backdoored models any budget on the grid defends, whatever it costs the clean ones: whether the
    // budget is the lever at all.
    const bdOk = (x: (typeof results)[number]) => x.s.ok - (train.filter((r) => r.truth === 'clean').length - x.s.fails.filter((f) => f.includes('(clean,')).length);
    const most = results.reduce((a, x) => (bdOk(x) > bdOk(a) ? x : a), results[0]);
    return `Most backdoored scans any budget on the grid defends: ${bdOk(most)} (${fmt(most.b)}, other verdicts ${fmt(most.o)}; clean kept ${split(train, most.s).split(' | ')[1]}).`;
  })(),
  '',
  `Not defended with the best budget: ${best.s.fails.join('; ') || 'none'}.`,
  '',
  `Not defended now: ${cur.fails.join('; ') || 'none'}.`,
  '',
  '## Held-out split (never searched)',
  '',
  '| budget | backdoored verdict | other verdicts | backdoored defended | clean kept | ACC drop median | max |',
  '| --- | --- | --- | --- | --- | ---: | ---: |',
  heldLine('the engine now', now.b, now.o, held.now),
  heldLine("the train split's best", best.b, best.o, held.best),
  '',
  `Held-out, not defended now: ${held.now.fails.join('; ') || 'none'}.`,
  '',
  `Held-out, not defended with the train split's best: ${held.best.fails.join('; ') || 'none'}.`,
];
writeFileSync(path.join(ROOT, 'bench', 'repair-rules.md'), md.join('\n') + '\n');
console.log(md.join('\n'));
