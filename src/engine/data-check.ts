/**
 * Is this the right defense data for this model, before minutes of scanning say so (issue #23: "the picker shows no
 * count/shape/balance/fit check, asks nothing about mean/std")? Loads the data exactly as a scan would (so a shape
 * or label mismatch is the scan's own DATA_MISMATCH error, in milliseconds), counts the samples per label, and
 * measures the original model on them. A model that is wrong on most of its own clean data usually means the
 * preprocessing differs from training: then the common alternatives (no mean/std, [-1, 1], ImageNet's, the data's
 * own statistics) are tried and the one that fits is named, with the setting that applies it.
 *
 * The limits below are advice for a person choosing files, not detection rules: nothing in a scan reads them.
 */
import type { ScanRequest } from './jobs';
import { resolveOptions } from './options';
import { selectBackend } from './backend';
import { readOnnxFile } from './onnx/read';
import { compileProgram } from './graph/compile';
import { loadDataset } from './data/load';
import type { Dataset } from './data/dataset';
import { accuracy } from './rnp/evaluate';
import { resolveClassNames } from './data/class-names';

/** Below this many samples unlearning and the mask fit are noisy; the paper uses 1% of a training set (500 on CIFAR-10). */
export const FEW_SAMPLES = 100;
/** Above this the scan's time grows with no gain the paper measured (it reports 0.5–1% of the training set). */
export const MANY_SAMPLES = 5000;
/** Largest over smallest label count that still counts as balanced. */
export const IMBALANCE_RATIO = 3;
/** A trained classifier below this on clean data of its task is not seeing the data it was trained on. */
export const LOW_ACCURACY = 0.5;
/** An alternative preprocessing is named only when it gains at least this much accuracy. */
const BETTER_BY = 0.2;

export type DataCheckRequest = Pick<ScanRequest, 'model' | 'data' | 'options' | 'labels'>;

export interface Preprocessing {
  /** In words, e.g. "ImageNet mean/std". */
  label: string;
  mean: number[];
  std: number[];
}

export interface PreprocessingTry extends Preprocessing {
  /** The original model's accuracy on the data preprocessed this way. */
  accuracy: number;
}

export interface DataFinding {
  /** warning: the scan would be weak or meaningless with this data; info: a fact worth knowing. */
  level: 'warning' | 'info';
  text: string;
}

export interface DataCheck {
  model: string;
  data: string;
  count: number;
  /** Per sample, [C, H, W]. */
  shape: [number, number, number];
  numClasses: number;
  /** Samples per label, index = label. */
  classCounts: number[];
  classNames: string[] | null;
  /** The preprocessing the scan would apply (the options' mean/std), and the model's accuracy with it. */
  preprocessing: PreprocessingTry;
  /** 1 / numClasses. */
  chance: number;
  /** The options' unlearning stop: a model already at or below it on this data leaves RNP nothing to unlearn. */
  cleanThreshold: number;
  /** Only when the accuracy is low: the other preprocessings tried, best first. */
  alternatives: PreprocessingTry[];
  findings: DataFinding[];
}

const IMAGENET: Preprocessing = { label: 'ImageNet mean/std', mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

export async function checkDefenseData(req: DataCheckRequest): Promise<DataCheck> {
  const o = resolveOptions(req.options);
  await selectBackend(o.backend, o.threads);
  const { graph } = await readOnnxFile(req.model);
  const program = compileProgram(graph, req.model);
  try {
    const data = await loadDataset(req.data, { expectShape: program.inputShape, numClasses: program.numClasses, mean: o.preprocess.mean, std: o.preprocess.std });
    const names = await resolveClassNames({ model: req.model, data: req.data, explicit: req.labels ?? null, folderNames: data.classNames ?? null, numClasses: program.numClasses });
    const current: PreprocessingTry = { ...describePreprocessing(data), accuracy: (await accuracy(program, data))! };
    const alternatives: PreprocessingTry[] = [];
    if (current.accuracy < LOW_ACCURACY) {
      for (const p of candidatePreprocessings(data)) alternatives.push({ ...p, accuracy: (await accuracy(program, repreprocess(data, p)))! });
      alternatives.sort((a, b) => b.accuracy - a.accuracy);
    }
    const classCounts = new Array<number>(program.numClasses).fill(0);
    for (const y of data.y) classCounts[y]!++;
    const facts: DataFacts = { count: data.count, numClasses: program.numClasses, classCounts, preprocessing: current, alternatives, cleanThreshold: o.cleanThreshold };
    return {
      model: req.model,
      data: req.data,
      count: data.count,
      shape: data.shape,
      numClasses: program.numClasses,
      classCounts,
      classNames: names?.names ?? null,
      preprocessing: current,
      chance: 1 / program.numClasses,
      cleanThreshold: o.cleanThreshold,
      alternatives,
      findings: dataFindings(facts, names?.names ?? null),
    };
  } finally {
    program.dispose();
  }
}

/** The preprocessing without mean/std, in words. */
const noStatsLabel = (fromUint8: boolean) => (fromUint8 ? 'pixels in [0, 1], no mean/std' : 'values as stored, no mean/std');

function describePreprocessing(d: Pick<Dataset, 'mean' | 'std' | 'fromUint8'>): Preprocessing {
  const label = d.mean.length === 0 && d.std.length === 0 ? noStatsLabel(d.fromUint8) : `mean ${listText(d.mean)} std ${listText(d.std)}`;
  return { label, mean: [...d.mean], std: [...d.std] };
}

const listText = (xs: number[]): string => (xs.length === 0 ? '—' : xs.every((x) => x === xs[0]) ? round(xs[0]!) : xs.map(round).join(','));
const round = (x: number): string => String(Number(x.toPrecision(3)));

/** The preprocessings people train with, minus the one in use; the data's own statistics last. */
export function candidatePreprocessings(d: Pick<Dataset, 'x' | 'shape' | 'mean' | 'std' | 'fromUint8'>): Preprocessing[] {
  const C = d.shape[0];
  const stats = rawChannelStats(d);
  const all: Preprocessing[] = [
    { label: noStatsLabel(d.fromUint8), mean: [], std: [] },
    { label: 'mean 0.5 std 0.5 (values in [-1, 1])', mean: new Array<number>(C).fill(0.5), std: new Array<number>(C).fill(0.5) },
    ...(C === 3 ? [IMAGENET] : []),
    { label: `this data's own mean ${listText(stats.mean)} std ${listText(stats.std)}`, ...stats },
  ];
  const same = (a: number[], b: number[]) => a.length === b.length && a.every((v, i) => Math.abs(v - b[i]!) < 1e-6);
  return all.filter((p) => !(same(p.mean, d.mean) && same(p.std, d.std)));
}

/** Per-channel mean and std of the values before the mean/std in use (x·std + mean), rounded to 3 decimals. */
function rawChannelStats(d: Pick<Dataset, 'x' | 'shape' | 'mean' | 'std'>): { mean: number[]; std: number[] } {
  const C = d.shape[0];
  const sum = new Float64Array(C);
  const sq = new Float64Array(C);
  for (let i = 0; i < d.x.length; i++) {
    const c = i % C;
    const v = d.x[i]! * (d.std[c] ?? 1) + (d.mean[c] ?? 0);
    sum[c] += v;
    sq[c] += v * v;
  }
  const n = d.x.length / C;
  const mean = Array.from(sum, (s) => s / n);
  const std = Array.from(sq, (s, c) => Math.sqrt(Math.max(s / n - mean[c]! ** 2, 0)));
  // A constant channel has std 0: dividing by it is what no training recipe does.
  return { mean: mean.map((m) => Math.round(m * 1000) / 1000), std: std.map((s) => Math.max(Math.round(s * 1000) / 1000, 1e-3)) };
}

/** The same samples under another mean/std (NHWC: the channel is the fastest index). */
export function repreprocess(d: Dataset, p: Preprocessing): Dataset {
  const C = d.shape[0];
  const x = new Float32Array(d.x.length);
  for (let i = 0; i < x.length; i++) {
    const c = i % C;
    const raw = d.x[i]! * (d.std[c] ?? 1) + (d.mean[c] ?? 0);
    x[i] = (raw - (p.mean[c] ?? 0)) / (p.std[c] ?? 1);
  }
  return { ...d, x, mean: [...p.mean], std: [...p.std] };
}

export interface DataFacts {
  count: number;
  numClasses: number;
  classCounts: number[];
  preprocessing: PreprocessingTry;
  alternatives: PreprocessingTry[];
  cleanThreshold: number;
}

const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;

/** What a person choosing this data should know, most serious first. Pure: the tests drive it with made-up facts. */
export function dataFindings(f: DataFacts, classNames: string[] | null = null): DataFinding[] {
  const out: DataFinding[] = [];
  const name = (label: number) => (classNames?.[label] ? `${label} (${classNames[label]})` : String(label));
  const acc = f.preprocessing.accuracy;
  const best = f.alternatives[0];
  if (acc < LOW_ACCURACY || acc <= f.cleanThreshold) {
    const why =
      acc <= f.cleanThreshold
        ? `at or below the unlearning stop (${pct(f.cleanThreshold)}), so RNP has nothing to unlearn`
        : 'a trained model should be right on most of its own clean data';
    let fix = ' Check that the labels follow the model\'s class order and that the data comes from its task.';
    if (best && best.accuracy >= Math.max(acc + BETTER_BY, LOW_ACCURACY)) {
      const setting = best.mean.length === 0 ? 'clear rnp.preprocess.mean and rnp.preprocess.std (CLI: no --mean/--std)' : `set rnp.preprocess.mean to [${best.mean.join(', ')}] and rnp.preprocess.std to [${best.std.join(', ')}] (CLI: --mean ${best.mean.join(',')} --std ${best.std.join(',')})`;
      fix = ` With ${best.label} it is right on ${pct(best.accuracy)}: the model was probably trained that way; ${setting}.`;
    }
    out.push({ level: 'warning', text: `The model is right on only ${pct(acc)} of these samples (chance ${pct(1 / f.numClasses)}) with ${f.preprocessing.label}: ${why}.${fix}` });
  }
  if (f.count < FEW_SAMPLES) out.push({ level: 'warning', text: `Only ${f.count} samples: unlearning and the mask fit are noisy below ${FEW_SAMPLES}; the paper uses about 1 % of the training set (500 on CIFAR-10).` });
  const missing = f.classCounts.flatMap((n, label) => (n === 0 ? [label] : []));
  if (missing.length > 0) {
    const shown = missing.slice(0, 8).map(name).join(', ') + (missing.length > 8 ? `, … (${missing.length} in all)` : '');
    out.push({ level: 'warning', text: `No samples of label${missing.length > 1 ? 's' : ''} ${shown} (of ${f.numClasses}): channels that serve only ${missing.length > 1 ? 'those classes' : 'that class'} look dormant to RNP and may be pruned, and the clean-accuracy guard cannot see ${missing.length > 1 ? 'their' : 'its'} loss.` });
  }
  const present = f.classCounts.map((n, label) => ({ n, label })).filter((c) => c.n > 0);
  if (present.length >= 2) {
    const lo = present.reduce((a, b) => (b.n < a.n ? b : a));
    const hi = present.reduce((a, b) => (b.n > a.n ? b : a));
    if (hi.n > IMBALANCE_RATIO * lo.n) out.push({ level: 'warning', text: `Unbalanced: label ${name(hi.label)} has ${hi.n} samples, label ${name(lo.label)} ${lo.n}: clean accuracy then mostly measures the large classes.` });
  }
  if (f.count > MANY_SAMPLES) out.push({ level: 'info', text: `${f.count} samples: a scan's time grows with them; the paper's 1 % of a training set (a few hundred) is enough.` });
  if (out.every((x) => x.level !== 'warning')) out.unshift({ level: 'info', text: `The model is right on ${pct(acc)} of these samples (chance ${pct(1 / f.numClasses)}) with ${f.preprocessing.label}.` });
  return out;
}

/** The summary line, then one line per finding ("warning: …"): what the CLI prints and the output channel logs. */
export function dataCheckText(c: DataCheck): string {
  return [`${c.data}: ${dataCheckSummary(c)}`, ...c.findings.map((f) => `${f.level}: ${f.text}`)].join('\n');
}

/** One line for a status bar or a log: "500 samples of 1×28×28, 10 labels (50 each), model right on 91.2 %". */
export function dataCheckSummary(c: DataCheck): string {
  const present = c.classCounts.filter((n) => n > 0);
  const lo = Math.min(...present);
  const hi = Math.max(...present);
  const per = lo === hi ? `${lo} each` : `${lo}–${hi} each`;
  return `${c.count} samples of ${c.shape.join('×')}, ${present.length} of ${c.numClasses} labels (${per}), model right on ${pct(c.preprocessing.accuracy)}`;
}
