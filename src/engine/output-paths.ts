/**
 * Where a scan's outputs go by default, and what they are called: shared by the engine, the CLI and the extension,
 * so the report, the pruned model and the repaired model are always found where the scan put them.
 */
import * as path from 'node:path';

/** Default place for scan.json: `<model dir>/.rnp-scan/<model name>/`. */
export function defaultOutDir(model: string): string {
  return path.join(path.dirname(model), '.rnp-scan', path.basename(model));
}

/**
 * One scan's own folder under the model's report folder: `<model dir>/.rnp-scan/<model name>/<UTC time>/`, so a
 * re-scan never overwrites the report before it (the extension keeps every scan; scan-history.ts lists them). The
 * name sorts by time and is valid on every file system (no colons).
 */
export function scanRunDir(model: string, at: Date): string {
  return path.join(defaultOutDir(model), runStamp(at));
}

/** `2026-12-03T13-05-22-123Z`: an ISO time with the colons and the dot a file name cannot always carry replaced. */
export function runStamp(at: Date): string {
  return at.toISOString().replace(/[:.]/g, '-');
}

/** The inverse of runStamp (null for any other folder name). */
export function parseRunStamp(name: string): Date | null {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})-(\d{3})Z$/.exec(name);
  if (!m) return null;
  const d = new Date(`${m[1]}T${m[2]}:${m[3]}:${m[4]}.${m[5]}Z`);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** The repaired model's file name in the scan's output folder. */
export const REPAIRED_MODEL_NAME = 'repaired.onnx';

/** The report's file name in the scan's output folder. */
export const RESULT_NAME = 'scan.json';

export function prunedModelName(model: string): string {
  return path.basename(model).replace(/\.onnx$/i, '') + '.pruned.onnx';
}
