/**
 * Findings as SARIF 2.1.0 (`--sarif FILE`, for one scan and for a batch; issue #22), for code-scanning dashboards
 * and CI annotations. One result per backdoored (RNP001, level error) or inconclusive (RNP002, level warning)
 * model; a model that could not be scanned is a tool execution notification (RNP900) of the run's invocation, not
 * a result. A model's location is its path relative to the SARIF file's folder under the base id `%SRCROOT%`
 * (whose absolute URI is given in originalUriBaseIds), or an absolute file: URI when the model lies outside that
 * folder. An .onnx file is binary, so a location names the file and no region. Validated against the official
 * SARIF 2.1.0 schema in test/engine/sarif.test.ts.
 */
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Sarif from 'sarif';
import type { BatchFinding } from './batch';
import { writeFileAtomic } from './atomic-write';
import { TOOL_VERSION } from './version';

export const SARIF_SCHEMA_URI = 'https://json.schemastore.org/sarif-2.1.0.json';
export const SRCROOT = '%SRCROOT%';

export const RULES = {
  backdoor: 'RNP001',
  inconclusive: 'RNP002',
  scanError: 'RNP900',
} as const;

const RULE_LIST: Sarif.ReportingDescriptor[] = [
  {
    id: RULES.backdoor,
    name: 'BackdoorFound',
    shortDescription: { text: 'The model carries a backdoor.' },
    fullDescription: {
      text: 'Reconstructive Neuron Pruning found a backdoor: unlearned on a little clean data, the model falls to one target label, and the per-channel masks recovered on the unlearned model single out the few channels that carry it (in adaptive mode, the trigger search on every label must point at the same label).',
    },
    help: {
      text: 'Do not deploy this model as it is. Use the repaired model the scan wrote (NAME.pruned.onnx beside scan.json, unless --no-export), or retrain from data you trust. Read scan.json (or open it in the RNP Backdoor Scan panel) for the target label, the evidence and the accuracy before and after.',
      markdown: 'Do **not** deploy this model as it is. Use the repaired model the scan wrote (`NAME.pruned.onnx` beside `scan.json`, unless `--no-export`), or retrain from data you trust. `scan.json` (or the RNP Backdoor Scan panel in VS Code) gives the target label, the evidence and the accuracy before and after.',
    },
    defaultConfiguration: { level: 'error' },
    properties: { tags: ['security', 'machine-learning', 'backdoor'], precision: 'high', 'problem.severity': 'error', 'security-severity': '8.0' },
  },
  {
    id: RULES.inconclusive,
    name: 'BackdoorInconclusive',
    shortDescription: { text: 'The backdoor scan was inconclusive.' },
    fullDescription: {
      text: 'The scan found some signs of a backdoor but not enough to name a target label with confidence; the model was not pruned.',
    },
    help: {
      text: 'Review the evidence in scan.json. Scan again with more clean defense data (about 1 % of the training set), with --trigger, or with the test sets (--clean-test, --poison-test) if you have them; treat the model as untrusted until then.',
      markdown: 'Review the evidence in `scan.json`. Scan again with more clean defense data (about 1 % of the training set), with `--trigger`, or with the test sets (`--clean-test`, `--poison-test`) if you have them; treat the model as untrusted until then.',
    },
    defaultConfiguration: { level: 'warning' },
    properties: { tags: ['security', 'machine-learning', 'backdoor'], precision: 'medium', 'problem.severity': 'warning', 'security-severity': '5.0' },
  },
  {
    id: RULES.scanError,
    name: 'ScanFailed',
    shortDescription: { text: 'The model could not be scanned.' },
    fullDescription: { text: 'The model or its data could not be read, or the scan failed; nothing is known about it.' },
    help: { text: 'Fix what the message names (the same line rnp-scan prints for the model alone) and scan again.' },
    defaultConfiguration: { level: 'error' },
  },
];

export interface SarifModel {
  /** Absolute path of the model. */
  path: string;
  sha256: string | null;
  finding: BatchFinding;
  /** scan.json of the scan, if written. */
  report: string | null;
}

export interface SarifError {
  /** Absolute path of the model, or null for a batch-wide problem. */
  path: string | null;
  /** The one-line message (what the CLI prints after `rnp-scan: `). */
  message: string;
  code: string;
}

export interface SarifRun {
  models: readonly SarifModel[];
  errors?: readonly SarifError[];
  /** The command line, for the invocation. */
  commandLine?: string;
  startTime?: Date;
  endTime?: Date;
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

/** The result's message: the label and the evidence, in one paragraph. */
export function findingMessage(m: SarifModel): string {
  const f = m.finding;
  const name = path.basename(m.path);
  const evidence = f.evidence.length ? ` Evidence: ${f.evidence.slice(0, 4).join(' ')}` : '';
  const metrics = [
    f.before.asr !== null && `attack success ${pct(f.before.asr)} before, ${f.after.asr !== null ? pct(f.after.asr) : 'n/a'} after`,
    f.before.acc !== null && `clean accuracy ${pct(f.before.acc)} before, ${f.after.acc !== null ? pct(f.after.acc) : 'n/a'} after`,
  ].filter(Boolean);
  const measured = metrics.length ? ` Measured: ${metrics.join('; ')}.` : '';
  const report = m.report ? ` Report: ${m.report}` : '';
  if (f.verdict === 'backdoored') {
    return `Backdoor found in ${name}: target label ${f.detectedLabel ?? 'unknown'} (confidence ${pct(f.confidence)}).${evidence}${measured}${report}`;
  }
  return `Backdoor scan of ${name} was inconclusive${f.detectedLabel !== null ? ` (suspected label ${f.detectedLabel})` : ''} (confidence ${pct(f.confidence)}).${evidence}${measured}${report}`;
}

/** The folder URI as SARIF wants a base: absolute, ending in '/'. */
function folderUri(dir: string): string {
  const href = pathToFileURL(dir).href;
  return href.endsWith('/') ? href : href + '/';
}

/** A model's location: relative to the SARIF file's folder (under %SRCROOT%) when inside it, else an absolute URI. */
export function artifactLocation(model: string, sarifDir: string): Sarif.ArtifactLocation {
  const rel = path.relative(sarifDir, model);
  if (rel && !rel.startsWith('..') && !path.isAbsolute(rel)) {
    return { uri: rel.split(path.sep).map(encodeURIComponent).join('/'), uriBaseId: SRCROOT };
  }
  return { uri: pathToFileURL(model).href };
}

/** The SARIF log of a scan or a batch, its locations relative to `sarifPath`'s folder. */
export function buildSarif(run: SarifRun, sarifPath: string): Sarif.Log {
  const sarifDir = path.dirname(path.resolve(sarifPath));
  const ruleIndex = (id: string) => RULE_LIST.findIndex((r) => r.id === id);
  const artifacts: Sarif.Artifact[] = [];
  const artifactIndex = new Map<string, number>();
  const artifact = (p: string, sha: string | null): Sarif.ArtifactLocation => {
    let i = artifactIndex.get(p);
    if (i === undefined) {
      i = artifacts.length;
      artifactIndex.set(p, i);
      artifacts.push({ location: artifactLocation(p, sarifDir), ...(sha ? { hashes: { 'sha-256': sha } } : {}), roles: ['analysisTarget'] });
    }
    return { ...artifactLocation(p, sarifDir), index: i };
  };
  const results: Sarif.Result[] = [];
  for (const m of run.models) {
    const v = m.finding.verdict;
    if (v !== 'backdoored' && v !== 'inconclusive') continue;
    const ruleId = v === 'backdoored' ? RULES.backdoor : RULES.inconclusive;
    results.push({
      ruleId,
      ruleIndex: ruleIndex(ruleId),
      level: v === 'backdoored' ? 'error' : 'warning',
      kind: 'fail',
      message: { text: findingMessage(m) },
      locations: [{ physicalLocation: { artifactLocation: artifact(m.path, m.sha256) } }],
      ...(m.sha256 ? { partialFingerprints: { 'modelSha256/v1': m.sha256 } } : {}),
      properties: { verdict: v, detectedLabel: m.finding.detectedLabel, confidence: m.finding.confidence, ...(m.report ? { report: m.report } : {}) },
    });
  }
  const errors = run.errors ?? [];
  const invocation: Sarif.Invocation = {
    executionSuccessful: errors.length === 0,
    ...(run.commandLine ? { commandLine: run.commandLine } : {}),
    ...(run.startTime ? { startTimeUtc: run.startTime.toISOString() } : {}),
    ...(run.endTime ? { endTimeUtc: run.endTime.toISOString() } : {}),
    ...(errors.length
      ? {
          toolExecutionNotifications: errors.map((e) => ({
            level: 'error' as const,
            message: { text: e.message },
            descriptor: { id: RULES.scanError, index: ruleIndex(RULES.scanError) },
            properties: { code: e.code },
            ...(e.path ? { locations: [{ physicalLocation: { artifactLocation: artifact(e.path, null) } }] } : {}),
          })),
        }
      : {}),
  };
  return {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'rnp-scan', fullName: 'RNP Backdoor Scan (Reconstructive Neuron Pruning)', version: TOOL_VERSION, semanticVersion: TOOL_VERSION, rules: RULE_LIST } },
        originalUriBaseIds: { [SRCROOT]: { uri: folderUri(sarifDir), description: { text: "The SARIF file's folder." } } },
        invocations: [invocation],
        artifacts,
        results,
        columnKind: 'utf16CodeUnits',
      },
    ],
  };
}

/** Builds and writes the log atomically (temp file, then rename). */
export async function writeSarif(sarifPath: string, run: SarifRun): Promise<Sarif.Log> {
  const log = buildSarif(run, sarifPath);
  await writeFileAtomic(sarifPath, new TextEncoder().encode(JSON.stringify(log, null, 2) + '\n'), {
    neverOverwrite: run.models.map((m) => m.path),
  });
  return log;
}
