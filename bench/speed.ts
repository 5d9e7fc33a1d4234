/**
 * `npm run bench`: the project's unlearn + recover epochs against the PyTorch peer (../shared/peer/rnp_torch.py,
 * Debian's python3-torch, 2 threads), in the same run, on the same networks (the peer exports them) and the same
 * amount of random data (500 samples, batch 128); plus a full default scan of the demo. Each side runs at least 3
 * times; the minimum is reported. Prints a Markdown table; with `--json` the last line is
 * {"rows":[{"net","backend","project_s","peer_s","ratio","peak_rss_mb"}, ...]}.
 * Options: --runs N (default 3)  --backend wasm|cpu|tensorflow|auto (default auto)  --threads N (wasm; default 0 =
 * one per core)  --nets a,b,c  --epochs N  --no-webgpu (skip the WebGPU rows: each net's epochs again on WebGPU)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

const PEER = path.resolve(__dirname, '..', '..', 'shared', 'peer', 'rnp_torch.py');
const PY = '/usr/bin/python3';
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    backend: { type: 'string', default: 'auto' },
    nets: { type: 'string', default: 'mnist_cnn,vgg_small,resnet18' },
    epochs: { type: 'string', default: '1' },
    threads: { type: 'string', default: '0' },
    json: { type: 'boolean', default: false },
    'no-demo': { type: 'boolean', default: false },
    webgpu: { type: 'boolean', default: true },
  },
  allowNegative: true,
});
const runs = Number(values.runs);
const epochs = Number(values.epochs);
const threads = values.threads!;
/** "wasm, 2 threads": the backend and, for wasm, the thread count the child actually ran with. */
const backendLabel = (r: Record<string, unknown>) =>
  r.threads ? `${r.backend}, ${r.threads} thread${r.threads === 1 ? '' : 's'}` : r.adapter ? `${r.backend} on ${r.adapter}` : String(r.backend);

interface Row { net: string; backend: string; project_s: number; peer_s: number | null; ratio: number | null; peak_rss_mb: number; peer_rss_mb: number | null }

function child(args: string[]): Record<string, unknown> {
  const out = execFileSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'child.ts'), ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
  return JSON.parse(out.trim().split('\n').pop()!);
}

/** Runs the peer under a tiny wrapper that reports its peak RSS (ru_maxrss of the child, KiB). */
function peer(args: string[]): { json: Record<string, unknown>; rssMb: number } {
  const wrapper = 'import resource,subprocess,sys\nr=subprocess.run(sys.argv[1:],capture_output=True,text=True)\nsys.stderr.write(r.stderr)\nprint(r.stdout.strip().splitlines()[-1] if r.returncode==0 else "")\nprint(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\nsys.exit(r.returncode)';
  const out = execFileSync(PY, ['-c', wrapper, PY, PEER, ...args], { encoding: 'utf8', maxBuffer: 1 << 24 }).trim().split('\n');
  return { json: JSON.parse(out[out.length - 2]), rssMb: Math.round(Number(out[out.length - 1]) / 1024) };
}

const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const min = (xs: number[]) => Math.min(...xs);

const rows: Row[] = [];
console.error(`load average before: ${loadavg()}; runs per side: ${runs}; epochs: ${epochs} unlearn + ${epochs} recover; 500 samples`);
for (const net of values.nets!.split(',')) {
  // The peer's own architectures with BN kept, from the parity fixtures (random weights and non-trivial BN
  // statistics; a fresh-init export would let PyTorch deduplicate identical BN tensors behind Identity nodes).
  const onnx = path.resolve(__dirname, '..', 'fixtures', 'build', 'parity', `${net}_bnkept.onnx`);
  if (!existsSync(onnx)) execFileSync(PY, [path.resolve(__dirname, '..', 'fixtures', 'parity.py')], { stdio: 'inherit' });
  const proj: number[] = [];
  const projRss: number[] = [];
  let backend = '';
  for (let i = 0; i < runs; i++) {
    const r = child(['epochs', onnx, values.backend!, String(epochs), threads]);
    proj.push(r.total_s as number);
    projRss.push(r.peak_rss_mb as number);
    backend = backendLabel(r);
    console.error(`  ${net} project run ${i + 1}: ${(r.total_s as number).toFixed(3)} s (unlearn ${(r.unlearn_s as number).toFixed(3)}, recover ${(r.recover_s as number).toFixed(3)}), rss ${r.peak_rss_mb} MB`);
  }
  const pe: number[] = [];
  const peRss: number[] = [];
  for (let i = 0; i < runs; i++) {
    const { json, rssMb } = peer(['--arch', net, '--random', '500', '--unlearn-epochs', String(epochs), '--recover-epochs', String(epochs), '--fixed', '--threads', '2']);
    pe.push(json.total_s as number);
    peRss.push(rssMb);
    console.error(`  ${net} peer run ${i + 1}: ${(json.total_s as number).toFixed(3)} s, rss ${rssMb} MB`);
  }
  const p = min(proj);
  const q = min(pe);
  rows.push({ net, backend, project_s: round(p), peer_s: round(q), ratio: round(p / q, 2), peak_rss_mb: Math.max(...projRss), peer_rss_mb: Math.max(...peRss) });
  // The same epochs on WebGPU (issue #25), against the same peer runs: on a machine without a GPU the adapter is
  // software (llvmpipe), which shows what auto avoids by passing it by.
  if (values.webgpu && values.backend !== 'webgpu') {
    const gpu: number[] = [];
    const gpuRss: number[] = [];
    let gpuBackend = '';
    try {
      for (let i = 0; i < runs; i++) {
        const r = child(['epochs', onnx, 'webgpu', String(epochs), threads]);
        gpu.push(r.total_s as number);
        gpuRss.push(r.peak_rss_mb as number);
        gpuBackend = backendLabel(r);
        console.error(`  ${net} webgpu run ${i + 1}: ${(r.total_s as number).toFixed(3)} s (unlearn ${(r.unlearn_s as number).toFixed(3)}, recover ${(r.recover_s as number).toFixed(3)}), rss ${r.peak_rss_mb} MB`);
      }
      rows.push({ net: `${net} (ratio: ÷ peer; ÷ ${backend}: ${round(min(gpu) / p, 2)})`, backend: gpuBackend, project_s: round(min(gpu)), peer_s: round(q), ratio: round(min(gpu) / q, 2), peak_rss_mb: Math.max(...gpuRss), peer_rss_mb: Math.max(...peRss) });
    } catch (e) {
      console.error(`  ${net} webgpu: not run (${(e as Error).message.split('\n')[0]})`);
    }
  }
}
if (!values['no-demo'] && existsSync('demo/model.onnx')) {
  const ts: number[] = [];
  let rss = 0;
  let backend = '';
  for (let i = 0; i < runs; i++) {
    const r = child(['demo', values.backend!, threads]);
    ts.push(r.total_s as number);
    rss = Math.max(rss, r.peak_rss_mb as number);
    backend = backendLabel(r);
    console.error(`  demo full scan run ${i + 1}: ${(r.total_s as number).toFixed(2)} s (${r.mode} mode, verdict ${r.verdict}, label ${r.detectedLabel})`);
  }
  rows.push({ net: 'demo full scan (default options)', backend, project_s: round(min(ts)), peer_s: null, ratio: null, peak_rss_mb: rss, peer_rss_mb: null });
}
if (!values['no-demo'] && existsSync('demo/model.onnx')) {
  // The trigger sweep (issue #21 item 2): every label's Neural Cleanse search one at a time, then all in one batch,
  // the same searches (test/engine/evidence/neural-cleanse.test.ts), in the same run. The ratio is batched / alone.
  const times: Record<string, number[]> = { alone: [], batched: [] };
  let backend = '';
  let rss: Record<string, number> = { alone: 0, batched: 0 };
  for (let i = 0; i < runs; i++) {
    for (const how of ['alone', 'batched']) {
      const r = child(['sweep', how, values.backend!, threads]);
      times[how].push(r.total_s as number);
      rss[how] = Math.max(rss[how], r.peak_rss_mb as number);
      backend = backendLabel(r);
      console.error(`  demo trigger sweep (${how}) run ${i + 1}: ${(r.total_s as number).toFixed(2)} s; norms ${(r.norms as number[]).join(' ')}`);
    }
  }
  rows.push({ net: 'demo trigger sweep, 10 labels one at a time', backend, project_s: round(min(times.alone)), peer_s: null, ratio: null, peak_rss_mb: rss.alone, peer_rss_mb: null });
  rows.push({ net: 'demo trigger sweep, 10 labels in one batch (ratio: ÷ one at a time)', backend, project_s: round(min(times.batched)), peer_s: null, ratio: round(min(times.batched) / min(times.alone), 2), peak_rss_mb: rss.batched, peer_rss_mb: null });
}
console.error(`load average after: ${loadavg()}`);

function round(x: number, d = 3) {
  return Math.round(x * 10 ** d) / 10 ** d;
}
const fmt = (x: number | null, d = 3) => (x === null ? '–' : x.toFixed(d));
console.log(`| network | backend | project s | peer s (PyTorch, 2 threads) | ratio | peak RSS MB (project / peer) |`);
console.log(`| --- | --- | ---: | ---: | ---: | ---: |`);
for (const r of rows) console.log(`| ${r.net} | ${r.backend} | ${fmt(r.project_s)} | ${fmt(r.peer_s)} | ${fmt(r.ratio, 2)} | ${r.peak_rss_mb} / ${r.peer_rss_mb ?? '–'} |`);
if (values.json) console.log(JSON.stringify({ rows: rows.map(({ net, backend, project_s, peer_s, ratio, peak_rss_mb }) => ({ net, backend, project_s, peer_s, ratio, peak_rss_mb })) }));
