/**
 * `npm run fit:verdict`: fits the statistical verdict's constants (src/engine/evidence/verdict-weights.ts) on the zoo's
 * *train* split (and the committed fixtures, fixtures/trained/*), from the adaptive scans `npm run bench:zoo` cached in .cache/zoo/results (each export of each train
 * model is a row; attacks that did not take are left out). The held-out split is not read: its numbers are reported by
 * bench:zoo with the weights written here. Prints the fit and each train row's verdict, and writes them to bench/verdict-fit.md; `--check` only prints.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { backdoorProbability, FEATURE_NAMES, verdictFeatures, type VerdictWeights } from '../src/engine/evidence/verdict-model';
import type { ScanResult } from '../src/engine/result';
import { chooseBands, chooseLambda, chooseNameLabelShare, fitLogistic, type FitRow } from './verdict-fit';

const ROOT = path.resolve(__dirname, '..');
const ZOO = path.join(ROOT, 'fixtures', 'zoo');
const RESULTS = path.join(ROOT, '.cache', 'zoo', 'results');
const check = process.argv.includes('--check');

interface Meta { name: string; split: string; target: number | null; asr: number }
const metas = readdirSync(path.join(ZOO, 'models'))
  .map((d) => path.join(ZOO, 'models', d, 'meta.json'))
  .filter(existsSync)
  .map((f) => JSON.parse(readFileSync(f, 'utf8')) as Meta)
  .filter((m) => m.split === 'train')
  // The committed fixtures are train rows too (bench/zoo.ts scans them as fx_NAME).
  .concat(
    readdirSync(path.join(ROOT, 'fixtures', 'trained'))
      .filter((d) => existsSync(path.join(ROOT, 'fixtures', 'trained', d, 'meta.json')))
      .map((d) => ({ ...(JSON.parse(readFileSync(path.join(ROOT, 'fixtures', 'trained', d, 'meta.json'), 'utf8')) as Meta), name: `fx_${d}`, split: 'train' })),
  );

const rows: FitRow[] = [];
for (const m of metas) {
  if (m.target !== null && m.asr < 0.5) continue; // the attack did not take: neither clean nor backdoored
  for (const exp of ['bnkept', 'folded']) {
    const f = path.join(RESULTS, `${m.name}.${exp}.adaptive.json`);
    if (!existsSync(f)) continue;
    const r = JSON.parse(readFileSync(f, 'utf8')) as ScanResult;
    if (!r.labelScores?.every((s) => typeof s.triggerNorm === 'number')) continue; // an older scan without the sweep
    const v = verdictFeatures(r.labelScores);
    rows.push({ name: `${m.name}.${exp}`, features: v.features, y: m.target === null ? 0 : 1, candidate: v.candidate, target: m.target });
  }
}
const nPos = rows.filter((r) => r.y === 1).length;
if (rows.length < 6 || nPos === 0 || nPos === rows.length) {
  console.error(`fit:verdict: ${rows.length} train rows (${nPos} backdoored) in ${RESULTS}; run npm run bench:zoo -- --split train first`);
  process.exit(2);
}
const { lambda, looLogLik } = chooseLambda(rows);
console.log(`penalty λ ${lambda} by leave-one-out (log-likelihood per λ: ${looLogLik.map((v) => v.toFixed(2)).join(', ')})`);
const fit = fitLogistic(rows, lambda);
const probe: VerdictWeights = { ...fit, backdoored: 0.5, clean: 0.5, nameLabelShare: 0, fittedOn: '' };
const p = rows.map((r) => backdoorProbability(r.features, probe));
const bands = chooseBands(p, rows.map((r) => r.y));
const nameLabelShare = chooseNameLabelShare(rows);
const round = (v: number) => Math.round(v * 1e4) / 1e4;
const weights: VerdictWeights = {
  bias: round(fit.bias),
  weights: Object.fromEntries(FEATURE_NAMES.map((k) => [k, round(fit.weights[k])])) as VerdictWeights['weights'],
  ...bands,
  nameLabelShare,
  fittedOn: `the zoo's train split and the committed fixtures (${new Set(rows.map((r) => r.name.split('.')[0])).size} models, ${rows.length} scans of them of which ${nPos} backdoored; λ ${lambda} by leave-one-out)`,
};

const md = [
  '# The verdict fit (`npm run fit:verdict`)',
  '',
  `${new Date().toISOString()}. Rows: the adaptive scans of the zoo's train split and of the committed fixtures cached by \`npm run bench:zoo\`; the held-out split is not read. Penalty λ ${lambda} by leave-one-out (log-likelihood per λ of 0.01 … 3: ${looLogLik.map((v) => v.toFixed(2)).join(', ')}).`,
  '',
  '```json',
  JSON.stringify(weights, null, 2),
  '```',
  '',
  '| scan | truth | p | verdict (train) | candidate | logAnomaly | logGap | candidateShare |',
  '| --- | --- | ---: | --- | ---: | ---: | ---: | ---: |',
];
for (const [i, r] of rows.entries()) {
  const verdict = p[i] >= weights.backdoored ? 'backdoored' : p[i] <= weights.clean ? 'clean' : 'inconclusive';
  md.push(`| ${r.name} | ${r.y ? `backdoored ${r.target}` : 'clean'} | ${p[i].toFixed(3)} | ${verdict} | ${r.candidate} | ${FEATURE_NAMES.map((k) => r.features[k].toFixed(2)).join(' | ')} |`);
}
console.log(md.join('\n'));
if (!check) {
  const file = path.join(ROOT, 'src', 'engine', 'evidence', 'verdict-weights.ts');
  writeFileSync(
    file,
    `/**
 * The verdict model's fitted constants (evidence/verdict-model.ts checks their type). Written by \`npm run fit:verdict\`
 * (bench/fit-verdict.ts) from the zoo bench's cached scans of the *train* split and the committed fixtures only; do not
 * edit by hand. No imports: verdict-model.ts imports this.
 */
export const VERDICT_WEIGHTS = ${JSON.stringify(weights, null, 2).replace(/"(\w+)":/g, '$1:')};
`,
  );
  writeFileSync(path.join(ROOT, 'bench', 'verdict-fit.md'), md.join('\n') + '\n');
  console.log(`wrote ${path.relative(ROOT, file)} and bench/verdict-fit.md`);
}
