// deploy/ (issue #22): the Kubernetes Indexed Job manifest is checked against the official batch/v1 Job schema
// (kubernetes-models: generated from the Kubernetes OpenAPI spec; it checks types and enums but lets unknown fields
// pass, as the API server does without strict validation) and against deploy/kubernetes/job.schema.json (written for
// this repository: only the fields used, additionalProperties false, so a misspelt field fails), and its command
// line is parsed by the CLI's own parser. The Dockerfile is checked for what docs/kubernetes.md promises.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import Ajv from 'ajv';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { parseCli } from '../../src/cli/args';

const ROOT = path.resolve(__dirname, '../..');
const MANIFEST = path.join(ROOT, 'deploy/kubernetes/rnp-scan-job.yaml');
const SCHEMA = path.join(ROOT, 'deploy/kubernetes/job.schema.json');

const ajv = new Ajv({ allErrors: true });
const validateOwn = ajv.compile(JSON.parse(readFileSync(SCHEMA, 'utf8')));

type Manifest = any; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Every problem with a Job manifest ([] when it is fine). */
export function manifestProblems(m: Manifest): string[] {
  const problems: string[] = [];
  try {
    new Job(m).validate();
  } catch (e) {
    problems.push(`official batch/v1 schema: ${(e as Error).message}`);
  }
  if (!validateOwn(m)) problems.push(...(validateOwn.errors ?? []).map((e) => `job.schema.json: ${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`));
  const spec = m?.spec ?? {};
  if (spec.completionMode !== 'Indexed') problems.push('spec.completionMode must be Indexed (JOB_COMPLETION_INDEX is only set for Indexed Jobs)');
  if (typeof spec.parallelism === 'number' && spec.parallelism > spec.completions) problems.push('parallelism above completions');
  const pod = spec.template?.spec ?? {};
  const containers: Manifest[] = Array.isArray(pod.containers) ? pod.containers : [];
  const scanner = containers.find((c) => c?.name === 'rnp-scan');
  if (!scanner) return [...problems, 'no container named rnp-scan'];
  const args: string[] = scanner.args ?? [];
  const i = args.indexOf('--shard');
  const shard = /^\$\(JOB_COMPLETION_INDEX\)\/(\d+)$/.exec(args[i + 1] ?? '');
  if (i < 0 || !shard) problems.push('args must pass --shard $(JOB_COMPLETION_INDEX)/N');
  else if (Number(shard[1]) !== spec.completions) problems.push(`--shard N (${shard[1]}) must equal spec.completions (${spec.completions})`);
  try {
    const cmd = parseCli(args.map((a) => a.replace(/\$\(JOB_COMPLETION_INDEX\)/g, '0')));
    if (cmd.kind !== 'batch') problems.push(`the container runs rnp-scan ${cmd.kind}, not batch`);
  } catch (e) {
    problems.push(`rnp-scan would refuse its arguments: ${(e as Error).message}`);
  }
  const volumes = new Set((pod.volumes ?? []).map((v: Manifest) => v.name));
  for (const vm of scanner.volumeMounts ?? []) if (!volumes.has(vm.name)) problems.push(`volumeMount ${vm.name} names no volume`);
  for (const r of spec.podFailurePolicy?.rules ?? []) {
    if (r.onExitCodes?.containerName && !containers.some((c) => c.name === r.onExitCodes.containerName)) problems.push(`podFailurePolicy names no container ${r.onExitCodes.containerName}`);
  }
  if (spec.podFailurePolicy && pod.restartPolicy !== 'Never') problems.push('podFailurePolicy needs restartPolicy Never');
  return problems;
}

function load(): Manifest {
  const docs = parseAllDocuments(readFileSync(MANIFEST, 'utf8'));
  assert.ok(!Array.isArray(docs) || docs.length === 1, 'one YAML document');
  const doc = Array.isArray(docs) ? docs[0] : docs;
  assert.deepEqual(doc.errors, [], 'the YAML parses');
  return doc.toJS();
}

test('the Indexed Job manifest passes the official batch/v1 schema, job.schema.json and the CLI parser', () => {
  assert.deepEqual(manifestProblems(load()), []);
});

test('a broken manifest fails: misspelt completionMode (value or key), wrong shard count, bad restartPolicy, bad field', () => {
  const broken: [string, (m: Manifest) => void][] = [
    ['completionMode value misspelt', (m) => (m.spec.completionMode = 'Indexd')],
    ['completionMode key misspelt', (m) => ((m.spec.completionMod = m.spec.completionMode), delete m.spec.completionMode)],
    ['not indexed', (m) => (m.spec.completionMode = 'NonIndexed')],
    ['completions a string', (m) => (m.spec.completions = 'four')],
    ['shard count not completions', (m) => (m.spec.completions = 3)],
    ['restartPolicy Always', (m) => (m.spec.template.spec.restartPolicy = 'Always')],
    ['misspelt container field', (m) => (m.spec.template.spec.containers[0].volumeMount = [])],
    ['a flag the CLI does not know', (m) => m.spec.template.spec.containers[0].args.push('--shards')],
    ['mount of a missing volume', (m) => m.spec.template.spec.volumes.pop()],
    ['wrong kind', (m) => (m.kind = 'CronJob')],
  ];
  for (const [what, f] of broken) {
    const m = load();
    f(m);
    assert.notDeepEqual(manifestProblems(m), [], what);
  }
});

test('the Dockerfile builds the CLI on node:20 with npm ci and runs dist/cli.js', () => {
  const text = readFileSync(path.join(ROOT, 'deploy/Dockerfile'), 'utf8');
  const lines = text.split('\n').filter((l) => l.trim() && !l.trimStart().startsWith('#'));
  const from = lines.filter((l) => /^FROM /.test(l));
  assert.match(from[0], /^FROM node:20\b/);
  for (const f of from) assert.match(f, /^FROM node:20(-slim)?\b/);
  assert.ok(lines.some((l) => /^RUN npm ci\b/.test(l)), 'npm ci');
  assert.ok(lines.some((l) => /^RUN (node scripts\/build\.mjs|npm run build)\b/.test(l)), 'the build');
  assert.equal(lines.filter((l) => l.startsWith('ENTRYPOINT')).pop(), 'ENTRYPOINT ["node", "/app/dist/cli.js"]');
  for (const l of lines.filter((x) => /^COPY (?!--from)/.test(x))) {
    for (const src of l.split(/\s+/).slice(1, -1)) assert.ok(src === '.' || existsSync(path.join(ROOT, src)), `COPY source ${src} exists`);
  }
  assert.ok(existsSync(path.join(ROOT, '.dockerignore')));
  assert.match(readFileSync(path.join(ROOT, '.dockerignore'), 'utf8'), /^node_modules$/m);
});
