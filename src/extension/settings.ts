/**
 * Maps the `rnp.*` settings onto the engine's ScanOptions (and the worker's limits), entry by entry from the one
 * options table (src/engine/options.ts). Kept free of the `vscode` module so it can be unit-tested under plain
 * Node: the caller passes a getter over `WorkspaceConfiguration`.
 *
 * Only what the user set counts: the getter must return undefined for a setting left at its package.json default
 * (`userSetting` builds one from `inspect()`), so that `rnp.mode: "paper"` gets the paper mode's defaults for every
 * other option, exactly as `rnp-scan --mode paper` does, instead of the defaults the settings UI displays.
 */
import { OPTIONS, invalidReason, setField, type ScanOptions } from '../engine/options';

/** `vscode.WorkspaceConfiguration.get` narrowed to what we need: undefined = not set by the user. */
export type SettingGetter = <T>(key: string) => T | undefined;

/** What `WorkspaceConfiguration.inspect` returns, narrowed. */
export interface SettingInspection<T> {
  globalValue?: T;
  workspaceValue?: T;
  workspaceFolderValue?: T;
  globalLanguageValue?: T;
  workspaceLanguageValue?: T;
  workspaceFolderLanguageValue?: T;
}

/** A getter that sees only values the user (or the workspace) set, most specific scope first; never the default. */
export function userSetting(inspect: <T>(key: string) => SettingInspection<T> | undefined): SettingGetter {
  return (<T>(key: string) => {
    const i = inspect<T>(key);
    if (!i) return undefined;
    return i.workspaceFolderLanguageValue ?? i.workspaceFolderValue ?? i.workspaceLanguageValue ?? i.workspaceValue ?? i.globalLanguageValue ?? i.globalValue;
  }) as SettingGetter;
}

export interface WorkerLimits {
  memoryMb: number;
  timeoutMs: number;
}

/**
 * Only settings the user gave a usable value for are passed on; the engine fills the rest with the mode's defaults
 * and validates ranges (a bad value comes back as an OPTION_INVALID error naming the option). null means "the
 * mode's default", as an unset setting does.
 */
export function scanOptionsFromSettings(get: SettingGetter): Partial<ScanOptions> {
  const o: Record<string, unknown> = {};
  for (const s of OPTIONS) {
    if (s.kind !== 'scan' || !s.setting) continue;
    const v = get<unknown>(s.setting);
    if (v === undefined || (v === null && !s.nullable)) continue;
    // Type errors (a string for a number) are dropped here, range errors are the engine's to report.
    const typeOnly = { ...s, min: undefined, max: undefined, exclusiveMin: undefined };
    if (invalidReason(typeOnly, v) !== null) continue;
    setField(o, s.name, v);
  }
  const p = o.preprocess as Partial<ScanOptions['preprocess']> | undefined;
  if (p) o.preprocess = { mean: p.mean ?? [], std: p.std ?? [] };
  return o as Partial<ScanOptions>;
}

const specOf = (name: string) => OPTIONS.find((s) => s.name === name)!;

export function workerLimitsFromSettings(get: SettingGetter): WorkerLimits {
  const mem = specOf('workerMemoryMb');
  const time = specOf('timeoutMinutes');
  const mb = get<unknown>(mem.setting!);
  const minutes = get<unknown>(time.setting!);
  const memOk = typeof mb === 'number' && Number.isFinite(mb) && mb >= mem.min!;
  const timeOk = typeof minutes === 'number' && Number.isFinite(minutes) && minutes > time.min!;
  return {
    memoryMb: memOk ? Math.round(mb as number) : (mem.default.adaptive as number),
    timeoutMs: (timeOk ? (minutes as number) : (time.default.adaptive as number)) * 60_000,
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
