/**
 * The one assertion every error test makes: the call rejects with an InputError of the given code whose `file`
 * is the offending file and whose one-line description (what the CLI prints) names it and matches `pattern`.
 */

import assert from 'node:assert/strict';
import { InputError, type ErrorCode } from '../../../src/engine/errors';

export async function assertInputError(
  action: Promise<unknown> | (() => unknown),
  code: ErrorCode,
  file: string,
  pattern: RegExp,
): Promise<InputError> {
  let caught: unknown = null;
  try {
    await (typeof action === 'function' ? action() : action);
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof InputError, `expected an InputError, got ${caught === null ? 'no error' : String(caught)}`);
  const err = caught as InputError;
  assert.equal(err.code, code, `code (message: ${err.message})`);
  assert.equal(err.file, file, 'the error names the file');
  assert.ok(err.describe().includes(file), 'the printed line names the file');
  assert.match(err.message, pattern);
  return err;
}
