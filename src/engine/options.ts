/**
 * Every option of the product, declared once (issue #19): its name, CLI flag, VS Code setting key, type, range,
 * help text and default per mode. The CLI parser and `--help` (src/cli/args.ts), `rnp-scan options`, the settings
 * mapper (src/extension/settings.ts), package.json's `contributes.configuration` (generated and checked by a test)
 * and the README's options table all come from `OPTIONS`. `resolveOptions` fills and validates a ScanOptions from
 * it, so a default or a range lives here and nowhere else.
 *
 * Paper mode is the faithful reproduction of the authors' code (as `../shared/peer/rnp_torch.py` runs it); adaptive
 * mode (the default) is the same RNP with clean-data safeguards, a verdict, a threshold chosen from clean data and a
 * repair. Which stages run for a given scan is decided once, by `planScan` (plan.ts), from these options.
 */
import { InputError } from './errors';

export type ScanMode = 'adaptive' | 'paper';
export type BackendChoice = 'auto' | 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';
export const SCAN_MODES: readonly ScanMode[] = ['adaptive', 'paper'];
export const BACKENDS: readonly BackendChoice[] = ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu'];
/** `--fail-on`: the least severe verdict that makes the CLI exit 3 (never: no verdict does). */
export type FailOn = 'backdoored' | 'inconclusive' | 'never';
export const FAIL_ON: readonly FailOn[] = ['backdoored', 'inconclusive', 'never'];

export interface Preprocess {
  /** Per-channel mean subtracted after scaling uint8 to [0,1]; empty = none. */
  mean: number[];
  /** Per-channel std divided after the mean; empty = none. */
  std: number[];
}

/** The engine's options for one scan: what `OPTIONS` entries of kind 'scan' resolve to. */
export interface ScanOptions {
  mode: ScanMode;
  backend: BackendChoice;
  /** WebAssembly threads (0 = one per logical core, at most 8); fixed per process at the first wasm start. */
  threads: number;
  seed: number;
  batchSize: number;
  unlearnLr: number;
  unlearnMomentum: number;
  unlearnWeightDecay: number;
  unlearnEpochs: number;
  /** Unlearning stops once training accuracy on the defense data is at or below this. */
  cleanThreshold: number;
  recoverLr: number;
  recoverMomentum: number;
  recoverEpochs: number;
  alpha: number;
  /** Prune channels whose mask is <= this. `null` lets the adaptive mode choose from clean data. */
  pruneThreshold: number | null;
  preprocess: Preprocess;
  /**
   * Run trigger recovery: Neural Cleanse on every label of the original model (the MAD outlier test, the verdict's
   * second signal) and the detected label's trigger on the unlearned model. On by default in adaptive mode, where the
   * verdict gates pruning and the trigger drives the repair.
   */
  trigger: boolean;
  /**
   * Adaptive mode: after pruning a model found backdoored, fine-tune it briefly with trigger-stamped samples at their
   * true labels, pruned channels held at zero (rnp/repair.ts). Needs `trigger`.
   */
  repair: boolean;
  /** Adaptive mode: share of the defense data held out (never trained on) to check clean accuracy and the repair. */
  holdoutFraction: number;
  /** Adaptive mode: largest held-out clean-accuracy drop (fraction, 0.02 = 2 points) the chosen pruning may cost. */
  accuracyTolerance: number;
  /** Adaptive mode: global gradient-norm clip during unlearning. */
  maxGradNorm: number;
  /**
   * Adaptive mode: prune until the unlearned model gives the suspected target label at most this share of clean data.
   * Measured with the repair's adapted triggers (ACC / ASR after, BadNets, Blend, SIG): 0.15 → 88.3 / 3.8, 89.5 / 2.6,
   * 88.5 / 1.5; 0.2 → 88.9 / 3.8, 89.2 / 2.2, 90.0 / 1.1 (fewer channels pruned; the repair removes the rest).
   */
  targetShareLevel: number;
}

/**
 * What an option's value is; `numbers` is a comma-separated list on the command line, an array in settings;
 * `string` is text the command parses itself (`--shard I/N`; its `arg` says the form).
 */
export type OptionType = 'enum' | 'integer' | 'number' | 'boolean' | 'numbers' | 'path' | 'string';

/**
 * 'scan': a field of ScanOptions (`name` is its key; `preprocess.mean` / `preprocess.std` its nested fields).
 * 'input': which files a job reads or writes (the request, not the options). 'output': how the CLI prints.
 * 'worker': limits of the VS Code worker process.
 */
export type OptionKind = 'scan' | 'input' | 'output' | 'worker';

export interface OptionSpec {
  name: string;
  kind: OptionKind;
  /** Long flag without the dashes; a boolean also gets `--no-FLAG`. null: not on the command line. */
  flag: string | null;
  /** Setting key without the `rnp.` prefix. null: not a VS Code setting. */
  setting: string | null;
  type: OptionType;
  /** enum: the allowed values. */
  values?: readonly string[];
  /** null is a value (`pruneThreshold`: null = the mode chooses). */
  nullable?: boolean;
  min?: number;
  max?: number;
  /** `min` itself is not allowed (e.g. learning rates > 0). */
  exclusiveMin?: boolean;
  /** The value each mode uses when the user sets nothing. */
  default: { adaptive: unknown; paper: unknown };
  /** Command-line placeholder for the value (e.g. X, N, PATH). */
  arg?: string;
  help: string;
}

const same = (v: unknown) => ({ adaptive: v, paper: v });

/** The one table. Order = the order of `--help`, `rnp-scan options`, the settings UI and the README. */
export const OPTIONS: readonly OptionSpec[] = [
  // ── what to scan ──
  { name: 'data', kind: 'input', flag: 'data', setting: 'defenseData', type: 'path', default: same(null), arg: 'PATH',
    help: 'Clean defense samples (about 1 % of the training set): .npz with x and y, or an image folder class/*.png|jpg. The setting overrides the per-model choice; relative paths resolve against the workspace folder.' },
  { name: 'cleanTest', kind: 'input', flag: 'clean-test', setting: 'cleanTest', type: 'path', default: same(null), arg: 'PATH',
    help: 'Clean test set (.npz or image folder), to report clean accuracy (ACC) before and after.' },
  { name: 'poisonTest', kind: 'input', flag: 'poison-test', setting: 'poisonTest', type: 'path', default: same(null), arg: 'PATH',
    help: 'Triggered test set labelled with the attack target, to report the attack success rate (ASR).' },
  { name: 'labels', kind: 'input', flag: 'labels', setting: 'labels', type: 'path', default: same(null), arg: 'FILE',
    help: 'Class names for the report: one per line, or JSON (an array, or index → name). Default: MODEL_STEM.labels.txt, labels.txt or classes.txt (or .json) beside the model or the defense data, else an image folder\'s class folder names.' },
  { name: 'inspect', kind: 'input', flag: 'inspect', setting: null, type: 'path', default: same(null), arg: 'PATH',
    help: '`rnp-scan samples`: the dataset whose samples are ranked by how likely they are poisoned (labels optional).' },
  { name: 'out', kind: 'input', flag: 'out', setting: null, type: 'path', default: same(null), arg: 'DIR',
    help: 'Folder for scan.json and NAME.pruned.onnx (default: scan.json in MODEL_DIR/.rnp-scan/NAME/, the pruned model beside MODEL).' },
  { name: 'export', kind: 'input', flag: 'export', setting: null, type: 'boolean', default: same(true),
    help: 'Write NAME.pruned.onnx (the repaired model after a repair); --no-export writes only scan.json.' },
  { name: 'json', kind: 'output', flag: 'json', setting: null, type: 'boolean', default: same(false),
    help: 'Print exactly one JSON object on stdout: the ScanResult (or the options table, the samples ranking).' },
  { name: 'failOn', kind: 'output', flag: 'fail-on', setting: null, type: 'enum', values: FAIL_ON, default: same('backdoored'),
    help: 'Exit 3 when a model is found backdoored (backdoored), backdoored or inconclusive (inconclusive), or never (never: exit 0 whatever the verdict). The same for one model and a batch.' },
  { name: 'sarif', kind: 'output', flag: 'sarif', setting: null, type: 'path', default: same(null), arg: 'FILE',
    help: 'Also write the findings as SARIF 2.1.0 (one result per backdoored or inconclusive model), atomically; for a scan and a batch.' },
  { name: 'html', kind: 'output', flag: 'html', setting: null, type: 'boolean', default: same(false),
    help: 'Also write report.html beside scan.json: the report panel as one self-contained file (no network), for an audit or a browser. report.md (Markdown, for a pull request) is always written.' },
  { name: 'shard', kind: 'input', flag: 'shard', setting: null, type: 'string', default: same(null), arg: 'I/N',
    help: '`rnp-scan batch`: scan only share I of N (0-based; the models sorted by relative path, model k goes to shard k mod N), so N processes cover every model once into one --out.' },
  // ── how to scan ──
  { name: 'mode', kind: 'scan', flag: 'mode', setting: 'mode', type: 'enum', values: SCAN_MODES, default: same('adaptive'),
    help: "adaptive (default): RNP with clean-data safeguards, a verdict, a threshold chosen from clean data and a repair; paper: the authors' exact settings." },
  { name: 'backend', kind: 'scan', flag: 'backend', setting: 'backend', type: 'enum', values: BACKENDS, default: same('auto'),
    help: 'TensorFlow.js backend: auto picks tfjs-node when installed, else WebGPU on a hardware GPU (optional package webgpu), else WebAssembly, else plain JavaScript; webgpu also runs on a software adapter. The result says which ran and why.' },
  { name: 'threads', kind: 'scan', flag: 'threads', setting: 'threads', type: 'integer', min: 0, default: same(0), arg: 'N',
    help: 'WebAssembly threads (0: one per logical core, at most 8).' },
  { name: 'seed', kind: 'scan', flag: 'seed', setting: 'seed', type: 'integer', default: same(98), arg: 'N',
    help: 'Random seed (data order, hold-out split, searches): the same seed and inputs give the same scan.' },
  { name: 'batchSize', kind: 'scan', flag: 'batch-size', setting: 'batchSize', type: 'integer', min: 1, default: same(128), arg: 'N',
    help: 'Batch size for unlearning, recovering and evaluation.' },
  { name: 'unlearnLr', kind: 'scan', flag: 'unlearn-lr', setting: 'unlearn.lr', type: 'number', min: 0, exclusiveMin: true, default: same(0.01), arg: 'X',
    help: 'Unlearning (gradient ascent) SGD learning rate.' },
  { name: 'unlearnMomentum', kind: 'scan', flag: 'unlearn-momentum', setting: 'unlearn.momentum', type: 'number', min: 0, max: 1, default: same(0.9), arg: 'X',
    help: 'Unlearning SGD momentum.' },
  { name: 'unlearnWeightDecay', kind: 'scan', flag: 'unlearn-weight-decay', setting: 'unlearn.weightDecay', type: 'number', min: 0, default: same(5e-4), arg: 'X',
    help: 'Unlearning SGD weight decay.' },
  { name: 'unlearnEpochs', kind: 'scan', flag: 'unlearn-epochs', setting: 'unlearn.epochs', type: 'integer', min: 0, default: same(20), arg: 'N',
    help: 'Most unlearning epochs (the learning rate drops ×0.1 at epochs 10 and 20).' },
  { name: 'cleanThreshold', kind: 'scan', flag: 'clean-threshold', setting: 'unlearn.threshold', type: 'number', min: 0, max: 1, default: same(0.2), arg: 'X',
    help: 'Unlearning stops once clean training accuracy is at or below this.' },
  { name: 'maxGradNorm', kind: 'scan', flag: 'max-grad-norm', setting: 'unlearn.maxGradNorm', type: 'number', min: 0, exclusiveMin: true, default: same(5), arg: 'X',
    help: 'Adaptive mode: global gradient-norm clip during unlearning.' },
  { name: 'recoverLr', kind: 'scan', flag: 'recover-lr', setting: 'recover.lr', type: 'number', min: 0, exclusiveMin: true, default: same(0.2), arg: 'X',
    help: 'Mask recovering SGD learning rate.' },
  { name: 'recoverMomentum', kind: 'scan', flag: 'recover-momentum', setting: 'recover.momentum', type: 'number', min: 0, max: 1, default: same(0.9), arg: 'X',
    help: 'Mask recovering SGD momentum.' },
  { name: 'recoverEpochs', kind: 'scan', flag: 'recover-epochs', setting: 'recover.epochs', type: 'integer', min: 0, default: same(20), arg: 'N',
    help: 'Mask recovering epochs.' },
  { name: 'alpha', kind: 'scan', flag: 'alpha', setting: 'recover.alpha', type: 'number', min: 0, exclusiveMin: true, default: same(0.2), arg: 'X',
    help: 'Weight of the clean loss on the unlearned weights while recovering masks (the paper\'s α).' },
  { name: 'pruneThreshold', kind: 'scan', flag: 'threshold', setting: 'pruneThreshold', type: 'number', nullable: true, min: 0, max: 1, default: { adaptive: null, paper: 0.2 }, arg: 'X',
    help: 'Prune channels whose recovered mask is at or below this. Unset: paper mode uses 0.2, adaptive mode chooses from clean data (and still repairs).' },
  { name: 'preprocess.mean', kind: 'scan', flag: 'mean', setting: 'preprocess.mean', type: 'numbers', default: same([]), arg: 'a[,b,c]',
    help: 'Per-channel mean subtracted after scaling pixels to [0, 1] (empty: none).' },
  { name: 'preprocess.std', kind: 'scan', flag: 'std', setting: 'preprocess.std', type: 'numbers', default: same([]), arg: 'a[,b,c]',
    help: 'Per-channel standard deviation divided after the mean (empty: none).' },
  { name: 'trigger', kind: 'scan', flag: 'trigger', setting: 'trigger', type: 'boolean', default: { adaptive: true, paper: false },
    help: "Neural Cleanse on every label (the verdict's second signal) and the detected label's trigger recovered with the unlearned model." },
  { name: 'repair', kind: 'scan', flag: 'repair', setting: 'repair', type: 'boolean', default: { adaptive: true, paper: false },
    help: 'Adaptive mode: fine-tune the pruned model, whatever the verdict, half of each batch stamped with the recovered triggers of the label with the smallest trigger and of the next smallest close to it, at the true labels, pruned channels held at zero, the epoch kept within the clean-accuracy budget. Needs trigger.' },
  { name: 'holdoutFraction', kind: 'scan', flag: 'holdout', setting: 'holdoutFraction', type: 'number', min: 0, exclusiveMin: true, max: 0.9, default: same(0.2), arg: 'X',
    help: 'Adaptive mode: share of the defense data held out (stratified, never trained on) to check clean accuracy and choose the repair epoch.' },
  { name: 'accuracyTolerance', kind: 'scan', flag: 'accuracy-tolerance', setting: 'accuracyTolerance', type: 'number', min: 0, max: 1, default: same(0.02), arg: 'X',
    help: 'Adaptive mode: the clean accuracy (0.02 = 2 points) that pruning and the repair may give up on the hold-out when the verdict is backdoored; half of it otherwise.' },
  { name: 'targetShareLevel', kind: 'scan', flag: 'target-share', setting: 'targetShare', type: 'number', min: 0, exclusiveMin: true, max: 1, default: same(0.2), arg: 'X',
    help: 'Adaptive mode: with a named label, prune in mask order no further than where the unlearned model gives it at most this share of clean data.' },
  // ── the VS Code worker ──
  { name: 'workerMemoryMb', kind: 'worker', flag: null, setting: 'workerMemoryMb', type: 'integer', min: 256, default: same(4096),
    help: 'Heap limit (MB) of the worker process that runs the scan.' },
  { name: 'timeoutMinutes', kind: 'worker', flag: null, setting: 'timeoutMinutes', type: 'number', min: 0, exclusiveMin: true, default: same(30),
    help: 'A scan or export running longer than this is stopped.' },
];

export function optionSpec(name: string): OptionSpec {
  const s = OPTIONS.find((o) => o.name === name);
  if (!s) throw new Error(`no option ${name}`);
  return s;
}

/** The mode's default ScanOptions, read off the table. */
export function defaultOptions(mode: ScanMode = 'paper'): ScanOptions {
  const o: Record<string, unknown> = { preprocess: {} };
  for (const s of OPTIONS) {
    if (s.kind !== 'scan') continue;
    const v = s.default[mode];
    setField(o, s.name, Array.isArray(v) ? [...v] : v);
  }
  // The mode option's default is the default mode (adaptive); the defaults *of* a mode carry that mode.
  o.mode = mode;
  return o as unknown as ScanOptions;
}

export const PAPER_DEFAULTS: Readonly<ScanOptions> = defaultOptions('paper');
export const ADAPTIVE_DEFAULTS: Readonly<ScanOptions> = defaultOptions('adaptive');

/** Reads `preprocess.mean` style names from a ScanOptions-shaped object. */
export function getField(o: object, name: string): unknown {
  return name.split('.').reduce<unknown>((v, k) => (v === undefined || v === null ? undefined : (v as Record<string, unknown>)[k]), o);
}

/** Writes `preprocess.mean` style names, creating the nested object. */
export function setField(o: Record<string, unknown>, name: string, v: unknown): void {
  const keys = name.split('.');
  let cur = o;
  for (const k of keys.slice(0, -1)) cur = (cur[k] ??= {}) as Record<string, unknown>;
  cur[keys[keys.length - 1]] = v;
}

/** Why `v` is not a valid value of `s`, in words (null when it is). */
export function invalidReason(s: OptionSpec, v: unknown): string | null {
  if (v === null) return s.nullable ? null : 'must not be null';
  switch (s.type) {
    case 'enum':
      return typeof v === 'string' && s.values!.includes(v) ? null : `must be one of ${s.values!.join(', ')}`;
    case 'boolean':
      return typeof v === 'boolean' ? null : 'must be true or false';
    case 'path':
      return typeof v === 'string' ? null : 'must be a path';
    case 'string':
      return typeof v === 'string' ? null : 'must be text';
    case 'numbers':
      return Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x)) ? null : 'must be a list of numbers';
    case 'integer':
    case 'number': {
      const int = s.type === 'integer';
      const ok = typeof v === 'number' && Number.isFinite(v) && (!int || Number.isInteger(v)) && inRange(s, v);
      return ok ? null : `must be ${rangeWords(s)}`;
    }
  }
}

function inRange(s: OptionSpec, v: number): boolean {
  if (s.min !== undefined && (s.exclusiveMin ? !(v > s.min) : !(v >= s.min))) return false;
  return s.max === undefined || v <= s.max;
}

/** "a positive number", "a non-negative integer", "in [0, 1]": the range as the messages and the docs say it. */
export function rangeWords(s: OptionSpec): string {
  const noun = s.type === 'integer' ? 'integer' : 'number';
  if (s.min === 0 && s.max === undefined) return s.exclusiveMin ? `a positive ${noun}` : `a non-negative ${noun}`;
  if (s.min !== undefined && s.max !== undefined) return `in ${s.exclusiveMin ? '(' : '['}${s.min}, ${s.max}]`;
  if (s.min !== undefined) return `${noun === 'integer' ? 'an' : 'a'} ${noun} ${s.exclusiveMin ? '>' : '≥'} ${s.min}`;
  return `${noun === 'integer' ? 'an' : 'a'} ${noun}`;
}

/**
 * The mode's defaults with `partial` on top, every value checked against its table entry. A bad value is an
 * OPTION_INVALID error naming the option (and its flag and setting, so the user finds where it came from).
 */
export function resolveOptions(partial: Partial<ScanOptions>): ScanOptions {
  const mode = partial.mode ?? 'adaptive';
  if (!SCAN_MODES.includes(mode)) throw new InputError('OPTION_INVALID', null, `mode must be one of ${SCAN_MODES.join(', ')}, got "${String(mode)}"`);
  const base = defaultOptions(mode);
  const o = { ...base, ...partial, preprocess: { ...base.preprocess, ...(partial.preprocess ?? {}) } } as ScanOptions;
  // null asks for the mode's own choice: the paper's fixed 0.2, or the adaptive selection.
  if (o.pruneThreshold === null) o.pruneThreshold = base.pruneThreshold;
  for (const s of OPTIONS) {
    if (s.kind !== 'scan') continue;
    const why = invalidReason(s, getField(o, s.name));
    if (why) {
      const where = [s.flag && `--${s.flag}`, s.setting && `rnp.${s.setting}`].filter(Boolean).join(', ');
      throw new InputError('OPTION_INVALID', null, `${s.name} ${why} (${where})`);
    }
  }
  return o;
}

/** How a boolean option is written on the command line: `--no-x` when on by default, `--x` when off, both when the mode decides. */
export function booleanFlags(s: OptionSpec): string[] {
  const { adaptive, paper } = s.default;
  if (adaptive === true && paper === true) return [`--no-${s.flag}`];
  if (adaptive === false && paper === false) return [`--${s.flag}`];
  return [`--${s.flag}`, `--no-${s.flag}`];
}
