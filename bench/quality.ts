/**
 * `npm run bench:quality`: defense quality on every trained fixture (fixtures/trained/*, and fixtures/build/trained/*
 * when generated), faithful paper mode vs the adaptive default vs the PyTorch peer (../shared/peer/rnp_torch.py,
 * paper defaults). Columns: ACC before/after, ASR before/after, pruned/total, detected label vs truth, verdict.
 * A second table, the adaptive scan's evidence (issue #5): verdict and label vs truth, the trigger found with the
 * unlearned model (searched there, finished on the original), the unlearned search alone, the original model's own
 * trigger (mask L1 / attack success on the original model each), and the poisoned-sample ranking's AUROC on the
 * fixture's 10 %-poisoned poison_mixed.npz. Writes bench/quality.md and prints it. Options: --only NAME[,NAME]  --no-peer (reuse each fixture's peer.json)
 * --trigger / --no-trigger (force the trigger evidence on or off in both modes).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { runScan } from '../src/engine/scan';
import { runSamples } from '../src/engine/samples';
import { auroc } from '../src/engine/evidence/auroc';
import { readNpz } from '../src/engine/data/npz';
import type { ScanMode } from '../src/engine/options';

const ROOT = path.resolve(__dirname, '..');
const PEER = path.resolve(ROOT, '..', 'shared', 'peer', 'rnp_torch.py');
const { values } = parseArgs({ options: { only: { type: 'string' }, 'no-peer': { type: 'boolean', default: false }, trigger: { type: 'boolean' }, 'no-trigger': { type: 'boolean' } } });

interface Row { fixture: string; side: string; accB: number | null; accA: number | null; asrB: number | null; asrA: number | null; pruned: string; label: string; truth: string; verdict: string; seconds: number }

const dirs = [path.join(ROOT, 'fixtures/trained'), path.join(ROOT, 'fixtures/build/trained')]
  .filter(existsSync)
  .flatMap((d) => readdirSync(d).map((n) => path.join(d, n)))
  .filter((d) => existsSync(path.join(d, 'model.onnx')) && existsSync(path.join(d, 'meta.json')))
  .filter((d) => !values.only || values.only.split(',').includes(path.basename(d)));

interface EvidenceRow { fixture: string; truth: string; verdict: string; label: string; trigger: string; unlearned: string; original: string; auroc: string }
const evidence: EvidenceRow[] = [];
const l1Asr = (t: { maskL1: number; asrOnOriginal: number } | null | undefined) => (t ? `${t.maskL1.toFixed(1)} / ${t.asrOnOriginal.toFixed(3)}` : '–');

const pct = (x: number | null) => (x === null ? '–' : (x * 100).toFixed(1));
const rows: Row[] = [];

(async () => {
  for (const dir of dirs) {
    const meta = JSON.parse(readFileSync(path.join(dir, 'meta.json'), 'utf8'));
    const name = path.basename(dir);
    const truth = meta.target === null || meta.target === undefined ? 'clean' : String(meta.target);
    for (const mode of ['paper', 'adaptive'] as ScanMode[]) {
      const { result: r } = await runScan({
        model: path.join(dir, 'model.onnx'),
        data: path.join(dir, 'defense.npz'),
        cleanTest: path.join(dir, 'clean_test.npz'),
        poisonTest: path.join(dir, 'poison_test.npz'),
        outDir: mkdtempSync(path.join(tmpdir(), 'rnp-q-')),
        // Each mode's own default (adaptive: trigger evidence and repair on; paper: off) unless --trigger/--no-trigger.
        options: { mode, ...(values.trigger ? { trigger: true } : values['no-trigger'] ? { trigger: false } : {}) },
        writePruned: false,
      });
      rows.push({
        fixture: name, side: mode, accB: r.before.acc, accA: r.after.acc, asrB: r.before.asr, asrA: r.after.asr,
        pruned: `${r.prunedCount}/${r.totalChannels}`, label: r.detectedLabel === null ? (r.verdict === 'clean' ? 'clean' : 'inconclusive') : String(r.detectedLabel),
        truth, verdict: r.verdict, seconds: r.seconds.total,
      });
      if (mode === 'adaptive') {
        const mixed = path.join(dir, 'poison_mixed.npz');
        let a = '–';
        if (existsSync(mixed)) {
          const out = await runSamples({ model: path.join(dir, 'model.onnx'), data: path.join(dir, 'defense.npz'), outDir: '', options: { mode: 'adaptive' }, writePruned: false }, mixed);
          const isPoison = (await readNpz(mixed, {}, { only: ['is_poison'] })).arrays.get('is_poison')?.data as Uint8Array | undefined;
          if (isPoison && isPoison.some((v) => v === 1)) {
            const scores = new Float64Array(isPoison.length);
            for (const x of out.samples) scores[x.index] = x.score;
            a = auroc(scores, isPoison).toFixed(3);
          }
        }
        evidence.push({
          fixture: name, truth, verdict: r.verdict, label: r.detectedLabel === null ? '–' : String(r.detectedLabel),
          trigger: r.trigger ? `${r.trigger.label}: ${l1Asr(r.trigger)}` : '–', unlearned: l1Asr(r.trigger?.unlearnedSearch), original: l1Asr(r.trigger?.fromOriginal), auroc: a,
        });
      }
      console.error(`${name} ${mode}: ACC ${pct(r.before.acc)}→${pct(r.after.acc)} ASR ${pct(r.before.asr)}→${pct(r.after.asr)} pruned ${r.prunedCount}/${r.totalChannels} label ${r.detectedLabel} (${truth}) ${r.verdict} ${r.seconds.total}s`);
    }
    let peer: Record<string, any> | null = null;
    const cached = path.join(dir, 'peer.json');
    if (values['no-peer'] && existsSync(cached)) peer = JSON.parse(readFileSync(cached, 'utf8'));
    else if (existsSync(path.join(dir, 'model.pt'))) {
      const out = execFileSync('/usr/bin/python3', [PEER, '--arch', meta.arch, '--weights', path.join(dir, 'model.pt'), '--data', path.join(dir, 'defense.npz'),
        '--clean-test', path.join(dir, 'clean_test.npz'), '--poison-test', path.join(dir, 'poison_test.npz')], { encoding: 'utf8', maxBuffer: 1 << 26 });
      peer = JSON.parse(out.trim().split('\n').pop()!);
    }
    if (peer) {
      rows.push({ fixture: name, side: 'peer (paper)', accB: peer.before.acc, accA: peer.after.acc, asrB: peer.before.asr, asrA: peer.after.asr,
        pruned: `${peer.pruned_neurons}/${peer.total_neurons}`, label: '–', truth, verdict: '–', seconds: peer.total_s });
    }
  }
  const lines = [
    '| fixture | run | ACC before | ACC after | ASR before | ASR after | pruned/total | detected label | truth | verdict | s |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | --- | --- | ---: |',
    ...rows.map((r) => `| ${r.fixture} | ${r.side} | ${pct(r.accB)} | ${pct(r.accA)} | ${pct(r.asrB)} | ${pct(r.asrA)} | ${r.pruned} | ${r.label} | ${r.truth} | ${r.verdict} | ${r.seconds.toFixed(1)} |`),
  ];
  if (evidence.length > 0) {
    lines.push(
      '',
      'Evidence of the adaptive scans (trigger columns: mask L1 / attack success on the original model, over the defense data; AUROC: the poisoned-sample ranking on poison_mixed.npz, 10 % poisoned):',
      '',
      '| fixture | truth | verdict | label | trigger found with the unlearned model | unlearned search alone | original model\'s own | AUROC |',
      '| --- | --- | --- | --- | --- | --- | --- | ---: |',
      ...evidence.map((e) => `| ${e.fixture} | ${e.truth} | ${e.verdict} | ${e.label} | ${e.trigger} | ${e.unlearned} | ${e.original} | ${e.auroc} |`),
    );
  }
  const md = lines.join('\n') + '\n';
  writeFileSync(path.join(ROOT, 'bench/quality.md'), md);
  console.log(md);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
