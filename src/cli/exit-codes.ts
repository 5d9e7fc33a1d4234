/**
 * The CLI's exit codes (README "Command line"), the same for one model and a batch:
 *   0   no finding at or above --fail-on (backdoored | inconclusive | never; default backdoored)
 *   3   a finding at or above --fail-on
 *   2   bad input or usage (one line on stderr per problem; in a batch, a model that could not be scanned)
 *   1   an internal error
 *   130 cancelled (Ctrl-C)
 * A batch exits with the most serious of its models' outcomes, in the order 1, 2, 3, 0: a batch that could not
 * scan every model has not shown that the others are all there is to know.
 */
import type { FailOn } from '../engine/options';
import type { ScanResult } from '../engine/result';
import type { BatchRow } from '../engine/batch';

export const EXIT = { ok: 0, internal: 1, input: 2, finding: 3, cancelled: 130 } as const;

/** Whether `verdict` is a finding under `failOn`. */
export function isFinding(verdict: ScanResult['verdict'] | null, failOn: FailOn): boolean {
  if (failOn === 'never' || verdict === null) return false;
  return verdict === 'backdoored' || (failOn === 'inconclusive' && verdict === 'inconclusive');
}

/** One scan's exit code. */
export function scanExitCode(verdict: ScanResult['verdict'], failOn: FailOn): number {
  return isFinding(verdict, failOn) ? EXIT.finding : EXIT.ok;
}

/** A batch's exit code from its rows (see the header for the order). */
export function batchExitCode(rows: readonly Pick<BatchRow, 'status' | 'verdict' | 'code'>[], failOn: FailOn): number {
  if (rows.some((r) => r.status === 'error' && r.code === 'INTERNAL')) return EXIT.internal;
  if (rows.some((r) => r.status === 'error')) return EXIT.input;
  if (rows.some((r) => r.status === 'done' && isFinding(r.verdict, failOn))) return EXIT.finding;
  return EXIT.ok;
}
