/**
 * `npm run fuzz`: seeded mutation fuzzing of the ONNX reader/writer and the .npz reader over real fixture files,
 * and (every fifth case) structure-aware bombs: generated ONNX models, .npz archives and image folders that
 * declare or compute sizes past the caps, or hold special files (scripts/fuzz/onnx-bombs.ts, data-bombs.ts).
 * Every case must end in success or a typed InputError within the time limit; prints counts per outcome and each
 * failure with the seed and case index to replay it.
 *   tsx scripts/fuzz.ts --cases 10000 [--seed 1] [--start 0] [--timeout-ms 10000]
 *   tsx scripts/fuzz.ts --seed 1 --repro 1234      (runs case 1234 in this process, with the full stack)
 * (Jazzer.js was tried first: its 4.0.0 prebuilt needs glibc 2.38, older versions download binaries from GitHub.)
 */
import { defaultCorpus, runFuzz } from './fuzz/harness';
import { loadCorpus, makeCase, TARGETS } from './fuzz/cases';
import { runCase } from './fuzz/targets';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 0) {
    console.error(`--${name} needs a non-negative integer`);
    process.exit(2);
  }
  return v;
}

async function main(): Promise<void> {
  const seed = arg('seed', 1);
  const repro = arg('repro', -1);
  if (repro >= 0) {
    const spec = defaultCorpus();
    const c = makeCase(loadCorpus(spec), seed, repro);
    console.log(`case ${repro} (seed ${seed}): ${c.target} from ${c.source}, ${c.bytes.length} bytes, ops ${c.ops.join(', ')}`);
    const r = await runCase(c, spec);
    console.log(`${r.outcome}: ${r.detail}`);
    process.exit(r.outcome === 'ok' || r.outcome.startsWith('InputError:') ? 0 : 1);
  }
  const cases = arg('cases', 1000);
  const timeoutMs = arg('timeout-ms', 10_000);
  console.log(`fuzzing ${cases} cases, seed ${seed}, ${timeoutMs} ms per case`);
  const report = await runFuzz({ cases, seed, start: arg('start', 0), timeoutMs, progressEvery: 1000 });
  console.log(`corpus: ${report.corpus.onnx.length} ONNX files, ${report.corpus.npz.length} npz files`);
  for (const target of TARGETS) {
    const counts = Object.entries(report.byTarget[target]).sort((a, b) => b[1] - a[1]);
    console.log(`${target}: ${counts.map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`);
  }
  console.log(`total: ${Object.entries(report.counts).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  console.log(
    `elapsed ${(report.elapsedMs / 1000).toFixed(1)} s, peak worker RSS ${(report.maxRssBytes / 1e6).toFixed(0)} MB, ` +
      `slowest case ${report.slowest.index} (${report.slowest.ms.toFixed(0)} ms), workers started ${report.workersStarted}`,
  );
  for (const f of report.failures) {
    console.log(`\nFAILURE ${f.outcome}: case ${f.index} seed ${f.seed} (${f.target} from ${f.source}; ${f.ops.join(', ')})`);
    console.log(`  saved as ${f.savedAs}; replay: npx tsx scripts/fuzz.ts --seed ${f.seed} --repro ${f.index}`);
    console.log(`  ${f.detail.split('\n').slice(0, 6).join('\n  ')}`);
  }
  process.exit(report.failures.length > 0 ? 1 : 0);
}

void main();
