// Awaits a worker job that must fail, and returns its typed WorkerFailure (anything else fails the test).
import assert from 'node:assert/strict';
import { WorkerFailure } from '../../src/extension/worker-client';

export async function failure(p: Promise<unknown>): Promise<WorkerFailure> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof WorkerFailure, String(e));
    return e;
  }
  assert.fail('expected the job to fail');
}
