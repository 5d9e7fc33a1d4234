/**
 * A model's scan history: every scan.json under `<model dir>/.rnp-scan/<model name>/` — one per scan folder
 * (output-paths.ts scanRunDir, the extension's scans) and the CLI's default `scan.json` beside them — newest first,
 * each summarised for a list (verdict, label, accuracies) and marked whether it is of the model file as it is now.
 * File-system only, no TensorFlow.js: the extension host lists it itself. A report that cannot be read is listed as
 * unreadable with the reason, never dropped silently.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { Metrics, ScanResult } from './result';
import type { ScanMode } from './options';
import { defaultOutDir, parseRunStamp, RESULT_NAME } from './output-paths';
import { hashModel } from './file-hash';

export interface ScanHistoryEntry {
  resultPath: string;
  /** When the scan finished: the report file's modification time (ISO 8601). */
  finishedAt: string;
  /** When it started: its folder's name (output-paths.ts runStamp); null for the CLI's default scan.json. */
  startedAt: string | null;
  mode: ScanMode;
  verdict: ScanResult['verdict'];
  detectedLabel: number | null;
  /** The detected label's class name, when the scan knew the names (engine/data/class-names.ts). */
  detectedLabelName?: string | null;
  before: Metrics;
  after: Metrics;
  prunedCount: number;
  totalChannels: number;
  repaired: boolean;
  /** The report's model sha256 is the file's now (null: the model file could not be read). */
  sameModel: boolean | null;
}

export interface ScanHistory {
  model: string;
  entries: ScanHistoryEntry[];
  /** Reports found but not readable as a ScanResult, with why. */
  unreadable: { resultPath: string; reason: string }[];
}

/** Reads a scan.json and checks it is one (schema 1 with layers and a model path). */
export async function readScanResult(p: string): Promise<ScanResult> {
  let r: ScanResult;
  try {
    r = JSON.parse(await fsp.readFile(p, 'utf8')) as ScanResult;
  } catch (e) {
    throw new Error(e instanceof SyntaxError ? `not JSON: ${e.message}` : (e as Error).message);
  }
  if (r?.schema !== 1 || !Array.isArray(r.layers) || typeof r.model !== 'string') throw new Error('not a scan.json written by rnp-scan (schema 1)');
  return r;
}

export function summarise(r: ScanResult, resultPath: string, at: { finishedAt: string; startedAt: string | null }, modelSha: string | null): ScanHistoryEntry {
  return {
    resultPath,
    ...at,
    mode: r.mode,
    verdict: r.verdict,
    detectedLabel: r.detectedLabel,
    detectedLabelName: r.detectedLabel !== null ? (r.classNames?.[r.detectedLabel] ?? null) : null,
    before: r.before,
    after: r.after,
    prunedCount: r.prunedCount,
    totalChannels: r.totalChannels,
    repaired: r.repair != null,
    sameModel: modelSha === null ? null : r.modelSha256 === modelSha,
  };
}

/**
 * The scan history of `model`, newest first, at most `limit` entries: the reports are ordered by their files' times
 * first and read newest first until `limit` are readable, so a short listing (the explorer's badge: 1) parses one
 * report, not all of them. `modelSha`: the model file's sha256 when the caller knows it (a scan that just finished),
 * null to skip it (sameModel null: the badges, asked for every visible model); by default the file is hashed.
 */
export async function scanHistory(model: string, limit = 100, opts: { modelSha?: string | null } = {}): Promise<ScanHistory> {
  const dir = defaultOutDir(path.resolve(model));
  const candidates: { resultPath: string; stamp: Date | null }[] = [{ resultPath: path.join(dir, RESULT_NAME), stamp: null }];
  const names = await fsp.readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    const stamp = parseRunStamp(name);
    if (stamp) candidates.push({ resultPath: path.join(dir, name, RESULT_NAME), stamp });
  }
  // A scan folder without a report (a scan that was cancelled or failed wrote nothing in it) is no candidate.
  const found = (await Promise.all(candidates.map(async (c) => ({ ...c, st: await fsp.stat(c.resultPath).catch(() => null) })))).flatMap((c) => (c.st ? [{ ...c, mtime: c.st.mtime }] : []));
  found.sort((a, b) => b.mtime.getTime() - a.mtime.getTime());
  const modelSha = opts.modelSha !== undefined ? opts.modelSha : await hashModel(path.resolve(model)).catch(() => null);
  const entries: ScanHistoryEntry[] = [];
  const unreadable: ScanHistory['unreadable'] = [];
  for (const c of found) {
    if (entries.length >= limit) break;
    try {
      const r = await readScanResult(c.resultPath);
      entries.push(summarise(r, c.resultPath, { finishedAt: c.mtime.toISOString(), startedAt: c.stamp?.toISOString() ?? null }, modelSha));
    } catch (e) {
      unreadable.push({ resultPath: c.resultPath, reason: (e as Error).message });
    }
  }
  return { model: path.resolve(model), entries, unreadable };
}
