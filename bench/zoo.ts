/**
 * `npm run bench:zoo`: every model of the development zoo (fixtures/zoo/, issue #20), each export (BN kept, BN
 * folded), scanned with the defaults (adaptive) and in paper mode as the comparison row. Writes a per-model table
 * and the aggregates per split (train: constants may be fitted there; heldout: where they are reported) to
 * bench/zoo.md and prints it.
 *
 * Resumable and cheap to re-score: each scan's result is kept in .cache/zoo/results/, and the expensive stages
 * (unlearning, recovery, the trigger sweep) in a stage cache (.cache/zoo/stages/, src/engine/stages/cache.ts), so
 * a change to the verdict or the selection re-runs only what comes after the cached stages. `--rescan` ignores the
 * kept results (the stage cache still applies); `--fresh` ignores both.
 *
 * Truth: a model is backdoored when its spec has a target AND the attack took (meta.asr ≥ 0.5 on every non-target
 * test image); a spec'd attack that did not take is counted apart ("attack failed"), never as clean or backdoored.
 * Options: --only SUBSTR[,SUBSTR]  --split train|heldout  --modes adaptive,paper  --exports bnkept,folded
 * --no-fixtures: leave out the committed fixtures (fixtures/trained/*, train split, BN kept only).
 * --write: write bench/zoo.md even for a subset (its header names the subset); by default only a full run writes it.
 * --study-repair N: a repair study (ScanHooks.studyRepair): every repair runs exactly N epochs and records the test
 * sets' ACC / ASR after each; results go to .cache/zoo/study/ (never bench/zoo.md), read by bench/repair-rules.ts.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { runScan } from '../src/engine/scan';
import { DirectoryStageCache } from '../src/engine/stages/cache';
import type { ScanMode } from '../src/engine/options';
import type { ScanResult } from '../src/engine/result';

const ROOT = path.resolve(__dirname, '..');
const ZOO = path.join(ROOT, 'fixtures', 'zoo');
const CACHE = path.join(ROOT, '.cache', 'zoo');
const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    split: { type: 'string' },
    modes: { type: 'string', default: 'adaptive,paper' },
    exports: { type: 'string', default: 'bnkept,folded' },
    rescan: { type: 'boolean', default: false },
    fresh: { type: 'boolean', default: false },
    write: { type: 'boolean', default: false },
    'no-fixtures': { type: 'boolean', default: false },
    'study-repair': { type: 'string' },
  },
});

interface Meta {
  name: string;
  arch: string;
  space: string;
  split: 'train' | 'heldout';
  target: number | null;
  variant: string;
  attack: { kind: string } | null;
  cleanAcc: number;
  asr: number;
  /** A committed fixture's folder (model.onnx and its own data); zoo models have none. */
  dir?: string;
}

type Truth = 'backdoored' | 'clean' | 'attack failed';
const truthOf = (m: Meta): Truth => (m.target === null ? 'clean' : m.asr >= 0.5 ? 'backdoored' : 'attack failed');

interface Row {
  name: string;
  exp: string;
  mode: ScanMode;
  split: string;
  truth: Truth;
  target: number | null;
  verdict: string;
  label: number | null;
  accB: number;
  accA: number;
  asrB: number;
  asrA: number;
  seconds: number;
}

const manifest = JSON.parse(readFileSync(path.join(ZOO, 'manifest.json'), 'utf8')) as { models: Meta[] };
// The committed fixtures (fixtures/trained/*) join the train split: the rules before #20 were written from them, so
// they were never unseen; each has its own data and one export (BN kept), named fx_NAME.
const TRAINED = path.join(ROOT, 'fixtures', 'trained');
const fixtures: Meta[] = (values['no-fixtures'] ? [] : readdirSync(TRAINED))
  .filter((d) => existsSync(path.join(TRAINED, d, 'meta.json')))
  .map((d) => ({ ...(JSON.parse(readFileSync(path.join(TRAINED, d, 'meta.json'), 'utf8')) as Meta), name: `fx_${d}`, split: 'train' as const, dir: path.join(TRAINED, d) }));
const models = manifest.models
  .filter((m) => existsSync(path.join(ZOO, 'models', m.name, 'meta.json')))
  .map((m) => JSON.parse(readFileSync(path.join(ZOO, 'models', m.name, 'meta.json'), 'utf8')) as Meta)
  .concat(fixtures)
  .filter((m) => !values.only || values.only.split(',').some((s) => m.name.includes(s)))
  .filter((m) => !values.split || m.split === values.split);
const modes = values.modes!.split(',') as ScanMode[];
const exportsWanted = values.exports!.split(',');
if (values.fresh) rmSync(CACHE, { recursive: true, force: true });
const study = values['study-repair'] ? { epochs: Number(values['study-repair']) } : undefined;
if (study && !(Number.isInteger(study.epochs) && study.epochs > 0)) throw new Error(`--study-repair wants a number of epochs, got ${values['study-repair']}`);
mkdirSync(path.join(CACHE, study ? 'study' : 'results'), { recursive: true });
const cache = new DirectoryStageCache(path.join(CACHE, 'stages'));

async function scanOne(m: Meta, exp: string, mode: ScanMode): Promise<ScanResult> {
  const kept = path.join(CACHE, study ? 'study' : 'results', `${m.name}.${exp}.${mode}.json`);
  if (!values.rescan && !values.fresh && existsSync(kept)) return JSON.parse(readFileSync(kept, 'utf8')) as ScanResult;
  const data = m.dir ?? path.join(ZOO, 'data', m.space);
  const outDir = path.join(CACHE, 'out', `${m.name}.${exp}.${mode}`);
  const { result } = await runScan(
    {
      model: m.dir ? path.join(m.dir, 'model.onnx') : path.join(ZOO, 'models', m.name, `${exp}.onnx`),
      data: path.join(data, 'defense.npz'),
      cleanTest: path.join(data, 'clean_test.npz'),
      poisonTest: path.join(m.dir ?? path.join(ZOO, 'models', m.name), 'poison_test.npz'),
      outDir,
      options: { mode },
      writePruned: false,
    },
    { cache, studyRepair: study },
  );
  writeFileSync(kept, JSON.stringify(result));
  return result;
}

const pct = (x: number) => (x * 100).toFixed(1);
const median = (xs: number[]) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function aggregate(rows: Row[]): string[] {
  const bd = rows.filter((r) => r.truth === 'backdoored');
  const cl = rows.filter((r) => r.truth === 'clean');
  const detected = bd.filter((r) => r.verdict === 'backdoored');
  const fa = cl.filter((r) => r.verdict === 'backdoored');
  const wrong = rows.filter((r) => r.label !== null && (r.truth !== 'backdoored' || r.label !== r.target));
  const inconclusive = rows.filter((r) => r.verdict === 'inconclusive');
  const met = bd.filter((r) => r.asrA <= 0.05 && r.accB - r.accA <= 0.02);
  const cleanKept = cl.filter((r) => r.accB - r.accA <= 0.01);
  const drops = rows.filter((r) => r.truth !== 'attack failed').map((r) => r.accB - r.accA);
  const frac = (a: number, b: number) => (b ? `${a}/${b} (${pct(a / b)} %)` : '–');
  return [
    `| detection (TPR) | ${frac(detected.length, bd.length)} |`,
    `| false alarms (FPR) | ${frac(fa.length, cl.length)} |`,
    `| inconclusive | ${frac(inconclusive.length, rows.length)} |`,
    `| wrong label (any model) | ${wrong.length} |`,
    `| backdoored: ASR after ≤ 5 % and ≤ 2 points lost | ${frac(met.length, bd.length)} |`,
    `| clean: ≤ 1 point lost | ${frac(cleanKept.length, cl.length)} |`,
    `| ASR after, backdoored: median / max | ${bd.length ? `${pct(median(bd.map((r) => r.asrA)))} / ${pct(Math.max(...bd.map((r) => r.asrA)))}` : '–'} |`,
    `| ACC drop (points): median / max | ${drops.length ? `${pct(median(drops))} / ${pct(Math.max(...drops))}` : '–'} |`,
    `| seconds per scan: median / max | ${rows.length ? `${median(rows.map((r) => r.seconds)).toFixed(0)} / ${Math.max(...rows.map((r) => r.seconds)).toFixed(0)}` : '–'} |`,
  ];
}

(async () => {
  const rows: Row[] = [];
  const t0 = Date.now();
  let done = 0;
  const total = models.reduce((n, m) => n + (m.dir ? (exportsWanted.includes('bnkept') ? 1 : 0) : exportsWanted.length), 0) * modes.length;
  for (const m of models) {
    for (const exp of exportsWanted) {
      if (m.dir && exp !== 'bnkept') continue;
      for (const mode of modes) {
        const r = await scanOne(m, exp, mode);
        done++;
        rows.push({
          name: m.name, exp, mode, split: m.split, truth: truthOf(m), target: m.target, verdict: r.verdict, label: r.detectedLabel,
          accB: r.before.acc ?? NaN, accA: r.after.acc ?? NaN, asrB: r.before.asr ?? NaN, asrA: r.after.asr ?? NaN, seconds: r.seconds.total,
        });
        const eta = ((Date.now() - t0) / done) * (total - done) / 1000;
        console.error(`[${done}/${total}, eta ${eta.toFixed(0)} s] ${m.name} ${exp} ${mode}: ${r.verdict} ${r.detectedLabel ?? '-'} (truth ${m.target ?? 'clean'}) ACC ${pct(r.before.acc ?? NaN)}→${pct(r.after.acc ?? NaN)} ASR ${pct(r.before.asr ?? NaN)}→${pct(r.after.asr ?? NaN)} ${r.seconds.total.toFixed(0)} s`);
      }
    }
  }
  const lines = [
    '# Zoo bench (`npm run bench:zoo`)',
    '',
    `${new Date().toISOString()}; ${models.length} models × ${exportsWanted.join('/')} × ${modes.join('/')}; fixtures/zoo/ (generator fixtures/zoo/generate.py)` +
      (values.only || values.split ? `; subset: ${[values.only && `names containing ${values.only}`, values.split && `split ${values.split}`].filter(Boolean).join(', ')}.` : '.'),
    'Truth: backdoored = a target and the attack took (ASR ≥ 50 % when trained); a spec\'d attack that did not take is "attack failed" and left out of the rates.',
    'Seconds are wall time on the machine that ran the bench, with whatever else shared its cores: compare them as ratios within one run. The verdict\'s own fit on the train split: bench/verdict-fit.md.',
    '',
  ];
  for (const split of ['heldout', 'train']) {
    for (const mode of modes) {
      const of = rows.filter((r) => r.split === split && r.mode === mode);
      if (!of.length) continue;
      lines.push(`## ${split}, ${mode} (${of.length} scans)`, '', '| aggregate | value |', '| --- | --- |', ...aggregate(of), '');
    }
  }
  lines.push('## Per model', '', '| model | split | export | mode | truth | verdict, label | ACC before → after | ASR before → after | s |', '| --- | --- | --- | --- | --- | --- | --- | --- | ---: |');
  for (const r of rows) {
    const truth = r.truth === 'backdoored' ? `backdoored ${r.target}` : r.truth;
    lines.push(`| ${r.name} | ${r.split} | ${r.exp} | ${r.mode} | ${truth} | ${r.verdict}${r.label !== null ? ` ${r.label}` : ''} | ${pct(r.accB)} → ${pct(r.accA)} | ${pct(r.asrB)} → ${pct(r.asrA)} | ${r.seconds.toFixed(0)} |`);
  }
  const md = lines.join('\n') + '\n';
  if (!study && ((!values.only && !values.split) || values.write)) writeFileSync(path.join(ROOT, 'bench', 'zoo.md'), md);
  process.stdout.write(md);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
