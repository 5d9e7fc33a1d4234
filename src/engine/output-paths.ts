/**
 * Where a scan's outputs go by default, and what they are called: shared by the engine, the CLI and the extension,
 * so the report, the pruned model and the repaired model are always found where the scan put them.
 */
import * as path from 'node:path';

/** Default place for scan.json: `<model dir>/.rnp-scan/<model name>/`. */
export function defaultOutDir(model: string): string {
  return path.join(path.dirname(model), '.rnp-scan', path.basename(model));
}

/** The repaired model's file name in the scan's output folder. */
export const REPAIRED_MODEL_NAME = 'repaired.onnx';

/** The report's file name in the scan's output folder. */
export const RESULT_NAME = 'scan.json';

export function prunedModelName(model: string): string {
  return path.basename(model).replace(/\.onnx$/i, '') + '.pruned.onnx';
}
