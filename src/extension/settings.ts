/**
 * Maps the `rnp.*` settings onto the engine's ScanOptions (and the worker's limits). Kept free of the `vscode`
 * module so it can be unit-tested under plain Node: the caller passes a getter over `WorkspaceConfiguration`.
 */
import type { BackendChoice, ScanMode, ScanOptions } from '../engine/options';

/** `vscode.WorkspaceConfiguration.get` narrowed to what we need. */
export type SettingGetter = <T>(key: string) => T | undefined;

export interface WorkerLimits {
  memoryMb: number;
  timeoutMs: number;
}

const MODES: readonly ScanMode[] = ['paper', 'adaptive'];
const BACKENDS: readonly BackendChoice[] = ['auto', 'tensorflow', 'wasm', 'cpu'];

/**
 * Only settings the user gave a usable value for are passed on; the engine fills the rest with its defaults and
 * validates ranges (a bad value comes back as an OPTION_INVALID error naming the option).
 */
export function scanOptionsFromSettings(get: SettingGetter): Partial<ScanOptions> {
  const o: Partial<ScanOptions> = {};
  const mode = get<string>('mode');
  if (mode && (MODES as string[]).includes(mode)) o.mode = mode as ScanMode;
  const backend = get<string>('backend');
  if (backend && (BACKENDS as string[]).includes(backend)) o.backend = backend as BackendChoice;
  const numbers: [string, keyof ScanOptions][] = [
    ['seed', 'seed'],
    ['threads', 'threads'],
    ['batchSize', 'batchSize'],
    ['unlearn.lr', 'unlearnLr'],
    ['unlearn.epochs', 'unlearnEpochs'],
    ['unlearn.threshold', 'cleanThreshold'],
    ['recover.lr', 'recoverLr'],
    ['recover.epochs', 'recoverEpochs'],
    ['recover.alpha', 'alpha'],
  ];
  for (const [key, field] of numbers) {
    const v = get<unknown>(key);
    if (typeof v === 'number') (o as Record<string, unknown>)[field] = v;
  }
  const th = get<unknown>('pruneThreshold');
  if (typeof th === 'number' || th === null) o.pruneThreshold = th;
  const mean = numberArray(get<unknown>('preprocess.mean'));
  const std = numberArray(get<unknown>('preprocess.std'));
  if (mean || std) o.preprocess = { mean: mean ?? [], std: std ?? [] };
  const trigger = get<unknown>('trigger');
  if (typeof trigger === 'boolean') o.trigger = trigger;
  const repair = get<unknown>('repair');
  if (typeof repair === 'boolean') o.repair = repair;
  return o;
}

function numberArray(v: unknown): number[] | undefined {
  return Array.isArray(v) && v.every((x) => typeof x === 'number') ? (v as number[]) : undefined;
}

export function workerLimitsFromSettings(get: SettingGetter): WorkerLimits {
  const mb = get<unknown>('workerMemoryMb');
  const minutes = get<unknown>('timeoutMinutes');
  return {
    memoryMb: typeof mb === 'number' && mb >= 256 ? Math.round(mb) : 4096,
    timeoutMs: (typeof minutes === 'number' && minutes > 0 ? minutes : 30) * 60_000,
  };
}

/** Expands `${workspaceFolder}` and resolves relative paths against the workspace folder. */
export function resolveSettingPath(value: string | undefined, workspaceFolder: string | undefined, join: (a: string, b: string) => string, isAbsolute: (p: string) => boolean): string | undefined {
  const v = value?.trim();
  if (!v) return undefined;
  const expanded = workspaceFolder ? v.replace(/\$\{workspaceFolder\}/g, workspaceFolder) : v;
  if (isAbsolute(expanded) || !workspaceFolder) return expanded;
  return join(workspaceFolder, expanded);
}
