/**
 * The command line contract (README "Command line"): parses argv into a ScanRequest, or throws an
 * InputError('OPTION_INVALID') that the CLI prints as one line with exit 2.
 */
import { parseArgs } from 'node:util';
import * as path from 'node:path';
import type { ScanRequest } from '../protocol';
import type { BackendChoice, ScanMode, ScanOptions } from '../engine/options';
import { InputError } from '../engine/errors';
import { defaultOutDir } from '../engine/scan';

export const USAGE = `usage: rnp-scan MODEL.onnx --data DEFENSE [--clean-test T] [--poison-test P] [--out DIR] [--json]
       rnp-scan samples MODEL.onnx --data DEFENSE --inspect DATASET [--json]
options:
  --data PATH            clean defense samples: .npz (x, y) or an image folder (class/*.png|jpg)
  --clean-test PATH      clean test set, to report accuracy (ACC)
  --poison-test PATH     triggered test set labelled with the target, to report attack success (ASR)
  --out DIR              where scan.json and NAME.pruned.onnx go (default: scan.json in MODEL_DIR/.rnp-scan/NAME/,
                         the pruned model beside MODEL)
  --no-export            do not write NAME.pruned.onnx
  --json                 print exactly one JSON object (the scan result) on stdout
  --mode adaptive|paper  adaptive (default): clean-data safeguards; paper: the authors' exact settings
  --backend auto|tensorflow|webgpu|wasm|cpu
  --threads N            WebAssembly threads (default 0: one per core, at most 8)
  --seed N  --batch-size N
  --unlearn-lr X --unlearn-epochs N --clean-threshold X
  --recover-lr X --recover-epochs N --alpha X
  --threshold X          prune channels with mask <= X
  --mean a[,b,c] --std a[,b,c]   per-channel preprocessing after scaling uint8 to [0,1]
  --trigger / --no-trigger   Neural Cleanse on every label (the verdict's second signal) and the detected label's
                         trigger from the unlearned model; on by default in adaptive mode, off in paper mode
  --no-repair            adaptive mode: skip the fine-tune with trigger-stamped samples after pruning
  -h, --help`;

const numberOpts = {
  seed: 'seed',
  'batch-size': 'batchSize',
  'unlearn-lr': 'unlearnLr',
  'unlearn-epochs': 'unlearnEpochs',
  'clean-threshold': 'cleanThreshold',
  'recover-lr': 'recoverLr',
  'recover-epochs': 'recoverEpochs',
  alpha: 'alpha',
  threshold: 'pruneThreshold',
  threads: 'threads',
} as const satisfies Record<string, keyof ScanOptions>;

export interface CliCommand {
  kind: 'scan' | 'samples' | 'help';
  request: ScanRequest;
  inspect?: string;
  json: boolean;
}

function parseList(flag: string, v: string | undefined): number[] {
  if (v === undefined) return [];
  const xs = v.split(',').map((s) => Number(s.trim()));
  if (xs.length === 0 || xs.some((x) => !Number.isFinite(x))) throw new InputError('OPTION_INVALID', null, `--${flag} takes comma-separated numbers, got "${v}"`);
  return xs;
}

export function parseCli(argv: string[]): CliCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        data: { type: 'string' },
        'clean-test': { type: 'string' },
        'poison-test': { type: 'string' },
        inspect: { type: 'string' },
        out: { type: 'string' },
        json: { type: 'boolean' },
        'no-export': { type: 'boolean' },
        mode: { type: 'string' },
        backend: { type: 'string' },
        mean: { type: 'string' },
        std: { type: 'string' },
        trigger: { type: 'boolean' },
        'no-trigger': { type: 'boolean' },
        'no-repair': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        ...Object.fromEntries(Object.keys(numberOpts).map((k) => [k, { type: 'string' as const }])),
      },
    });
  } catch (e) {
    throw new InputError('OPTION_INVALID', null, (e as Error).message);
  }
  const { values: v, positionals } = parsed;
  const empty: ScanRequest = { model: '', data: '', outDir: '', options: {}, writePruned: false };
  if (v.help) return { kind: 'help', request: empty, json: false };
  let kind: CliCommand['kind'] = 'scan';
  const pos = [...positionals];
  if (pos[0] === 'samples') {
    kind = 'samples';
    pos.shift();
  } else if (pos[0] === 'scan') pos.shift();
  if (pos.length !== 1) throw new InputError('OPTION_INVALID', null, pos.length === 0 ? 'missing MODEL (see --help)' : `expected one MODEL, got ${pos.join(' ')}`);
  if (!v.data) throw new InputError('OPTION_INVALID', null, 'missing --data DEFENSE (clean samples: .npz or an image folder)');
  if (kind === 'samples' && !v.inspect) throw new InputError('OPTION_INVALID', null, 'samples needs --inspect DATASET');
  const options: Partial<ScanOptions> = {};
  for (const [flag, key] of Object.entries(numberOpts)) {
    const s = (v as Record<string, unknown>)[flag] as string | undefined;
    if (s === undefined) continue;
    const n = Number(s);
    if (s.trim() === '' || !Number.isFinite(n)) throw new InputError('OPTION_INVALID', null, `--${flag} takes a number, got "${s}"`);
    (options as Record<string, number>)[key] = n;
  }
  if (v.mode !== undefined) {
    if (v.mode !== 'paper' && v.mode !== 'adaptive') throw new InputError('OPTION_INVALID', null, `--mode is paper or adaptive, got "${v.mode}"`);
    options.mode = v.mode as ScanMode;
  }
  if (v.backend !== undefined) {
    if (!['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu'].includes(v.backend)) throw new InputError('OPTION_INVALID', null, `--backend is auto, tensorflow, webgpu, wasm or cpu, got "${v.backend}"`);
    options.backend = v.backend as BackendChoice;
  }
  if (v.mean !== undefined || v.std !== undefined) options.preprocess = { mean: parseList('mean', v.mean), std: parseList('std', v.std) };
  if (v.trigger && v['no-trigger']) throw new InputError('OPTION_INVALID', null, '--trigger and --no-trigger contradict each other');
  if (v.trigger) options.trigger = true;
  if (v['no-trigger']) options.trigger = false;
  if (v['no-repair']) options.repair = false;
  const model = pos[0];
  const request: ScanRequest = {
    model,
    data: v.data,
    cleanTest: v['clean-test'],
    poisonTest: v['poison-test'],
    outDir: v.out ? path.resolve(v.out) : defaultOutDir(path.resolve(model)),
    options,
    writePruned: !v['no-export'],
    prunedDir: v.out ? path.resolve(v.out) : undefined,
  };
  return { kind, request, inspect: v.inspect, json: !!v.json };
}
