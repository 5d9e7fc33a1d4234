/**
 * The command line contract (README "Command line"): parses argv into a command, or throws an
 * InputError('OPTION_INVALID') that the CLI prints as one line with exit 2. Every flag, its type and its help line
 * come from the one options table (src/engine/options.ts); this file only knows the subcommands.
 */
import { parseArgs } from 'node:util';
import * as path from 'node:path';
import type { ScanRequest } from '../engine/jobs';
import { OPTIONS, booleanFlags, setField, type FailOn, type OptionSpec, type ScanOptions } from '../engine/options';
import { parseShard, type BatchRequest } from '../engine/batch';
import { InputError } from '../engine/errors';
import { defaultOutDir } from '../engine/output-paths';
import { optionDefaultText } from './options-table';

const COMMANDS = `usage: rnp-scan MODEL.onnx --data DEFENSE [--clean-test T] [--poison-test P] [--out DIR] [--json] [options]
       rnp-scan plan MODEL.onnx --data DEFENSE [--json] [options]   which stages a scan would run, and why
       rnp-scan check MODEL.onnx --data DEFENSE [--json] [options]  does the data fit the model (exit 3 on a warning)
       rnp-scan batch PATH... --data DEFENSE --out DIR [--shard I/N] [--sarif FILE] [options]   every model under PATH
       rnp-scan samples MODEL.onnx --data DEFENSE --inspect DATASET [--json]
       rnp-scan options [--json]                                    every option, its flag, setting and defaults`;

function flagText(s: OptionSpec): string {
  if (s.type === 'boolean') return booleanFlags(s).join(' / ');
  const arg = s.type === 'enum' ? s.values!.join('|') : (s.arg ?? 'X');
  return `--${s.flag} ${arg}`;
}

/** `--help`: the subcommands, then one entry per flag of the table with its per-mode default. */
export const USAGE = [
  COMMANDS,
  'options:',
  ...OPTIONS.filter((s) => s.flag).map((s) => {
    const f = flagText(s);
    const def = optionDefaultText(s);
    const help = `${s.help}${def ? ` [${def}]` : ''}`;
    return `  ${f.padEnd(28)} ${f.length > 28 ? '\n' + ' '.repeat(31) : ''}${help}`;
  }),
  '  -h, --help',
].join('\n');

export interface CliCommand {
  kind: 'scan' | 'samples' | 'plan' | 'check' | 'options' | 'help' | 'batch';
  request: ScanRequest;
  inspect?: string;
  json: boolean;
  /** `--fail-on`: which verdicts make the CLI exit 3. */
  failOn: FailOn;
  /** `--sarif FILE` (absolute). */
  sarif?: string;
  /** `--html`: also write report.html beside scan.json (report.md is always written). */
  html: boolean;
  /** `rnp-scan batch`: the folders/models, the shard and the shared options. */
  batch?: BatchRequest;
}

function parseList(flag: string, v: string): number[] {
  const xs = v.split(',').map((s) => Number(s.trim()));
  if (v.trim() === '' || xs.some((x) => !Number.isFinite(x))) throw new InputError('OPTION_INVALID', null, `--${flag} takes comma-separated numbers, got "${v}"`);
  return xs;
}

/** A flag's string as the table's type; range checks are the engine's (resolveOptions), type checks are here. */
function parseValue(s: OptionSpec, raw: string): unknown {
  switch (s.type) {
    case 'integer':
    case 'number': {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n)) throw new InputError('OPTION_INVALID', null, `--${s.flag} takes a number, got "${raw}"`);
      return n;
    }
    case 'numbers':
      return parseList(s.flag!, raw);
    case 'enum':
      if (!s.values!.includes(raw)) throw new InputError('OPTION_INVALID', null, `--${s.flag} is ${s.values!.join(', ')}, got "${raw}"`);
      return raw;
    default:
      return raw;
  }
}

const flagged = OPTIONS.filter((s) => s.flag);

export function parseCli(argv: string[]): CliCommand {
  const spec: Record<string, { type: 'string' | 'boolean'; short?: string }> = { help: { type: 'boolean', short: 'h' } };
  for (const s of flagged) {
    if (s.type === 'boolean') {
      spec[s.flag!] = { type: 'boolean' };
      spec[`no-${s.flag}`] = { type: 'boolean' };
    } else spec[s.flag!] = { type: 'string' };
  }
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options: spec });
  } catch (e) {
    throw new InputError('OPTION_INVALID', null, (e as Error).message);
  }
  const { values, positionals } = parsed;
  const v = values as Record<string, string | boolean | undefined>;
  const empty: ScanRequest = { model: '', data: '', outDir: '', options: {}, writePruned: false };
  if (v.help) return { kind: 'help', request: empty, json: false, failOn: 'backdoored', html: false };
  const pos = [...positionals];
  let kind: CliCommand['kind'] = 'scan';
  if (['samples', 'plan', 'check', 'options', 'scan', 'batch'].includes(pos[0])) kind = pos.shift() as CliCommand['kind'];
  if (kind === 'options') {
    if (pos.length) throw new InputError('OPTION_INVALID', null, `options takes no arguments, got ${pos.join(' ')}`);
    return { kind, request: empty, json: !!v.json, failOn: 'backdoored', html: false };
  }
  if (kind === 'batch') {
    if (pos.length === 0) throw new InputError('OPTION_INVALID', null, 'batch needs at least one folder or model (see --help)');
    if (!v.out) throw new InputError('OPTION_INVALID', null, 'batch needs --out DIR (results.jsonl and one folder per model)');
    if (v.json) throw new InputError('OPTION_INVALID', null, 'batch writes DIR/results.jsonl; --json is for a single scan');
  } else if (v.shard !== undefined) throw new InputError('OPTION_INVALID', null, '--shard is for rnp-scan batch');
  else if (pos.length !== 1) throw new InputError('OPTION_INVALID', null, pos.length === 0 ? 'missing MODEL (see --help)' : `expected one MODEL, got ${pos.join(' ')}`);
  if (!v.data) throw new InputError('OPTION_INVALID', null, 'missing --data DEFENSE (clean samples: .npz or an image folder)');
  if (kind === 'samples' && !v.inspect) throw new InputError('OPTION_INVALID', null, 'samples needs --inspect DATASET');

  const options: Record<string, unknown> = {};
  const given: Record<string, unknown> = {};
  for (const s of flagged) {
    let value: unknown;
    if (s.type === 'boolean') {
      const yes = v[s.flag!] === true;
      const no = v[`no-${s.flag}`] === true;
      if (yes && no) throw new InputError('OPTION_INVALID', null, `--${s.flag} and --no-${s.flag} contradict each other`);
      if (!yes && !no) continue;
      value = yes;
    } else {
      const raw = v[s.flag!];
      if (raw === undefined) continue;
      value = parseValue(s, raw as string);
    }
    if (s.kind === 'scan') setField(options, s.name, value);
    else given[s.name] = value;
  }
  const o = options as Partial<ScanOptions>;
  // --mean alone leaves std empty (and the reverse): preprocess is one value, both lists or none.
  if (o.preprocess) o.preprocess = { mean: o.preprocess.mean ?? [], std: o.preprocess.std ?? [] };
  const model = pos[0];
  const out = given.out as string | undefined;
  const request: ScanRequest = {
    model,
    data: v.data as string,
    cleanTest: given.cleanTest as string | undefined,
    poisonTest: given.poisonTest as string | undefined,
    labels: given.labels as string | undefined,
    outDir: out ? path.resolve(out) : defaultOutDir(path.resolve(model)),
    options: o,
    writePruned: given.export !== false,
    prunedDir: out ? path.resolve(out) : undefined,
  };
  const failOn = (given.failOn as FailOn | undefined) ?? 'backdoored';
  const sarif = given.sarif ? path.resolve(given.sarif as string) : undefined;
  const batch: BatchRequest | undefined =
    kind === 'batch'
      ? { inputs: pos, data: request.data, cleanTest: request.cleanTest, poisonTest: request.poisonTest, outDir: path.resolve(out!), options: o, writePruned: request.writePruned, shard: given.shard !== undefined ? parseShard(given.shard as string) : null }
      : undefined;
  return { kind, request, inspect: given.inspect as string | undefined, json: given.json === true, failOn, sarif, batch, html: given.html === true };
}
