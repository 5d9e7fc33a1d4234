// Command-line parsing of the thread count and the engine's validation of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCli } from '../../src/cli/args';
import { resolveOptions } from '../../src/engine/scan';
import { InputError } from '../../src/engine/errors';

const optionError = (pattern: RegExp) => (e: unknown) => e instanceof InputError && e.code === 'OPTION_INVALID' && pattern.test(e.message);

test('--threads N reaches the scan options; the default leaves it to the engine (0 = one per core)', () => {
  assert.equal(parseCli(['m.onnx', '--data', 'd.npz', '--threads', '2']).request.options.threads, 2);
  assert.equal(parseCli(['m.onnx', '--data', 'd.npz']).request.options.threads, undefined);
  assert.equal(resolveOptions({}).threads, 0);
  assert.throws(() => parseCli(['m.onnx', '--data', 'd.npz', '--threads', 'many']), optionError(/--threads takes a number/));
});

test('a negative or fractional thread count is OPTION_INVALID', () => {
  for (const threads of [-1, 1.5]) assert.throws(() => resolveOptions({ threads }), optionError(/threads must be a non-negative integer/));
  assert.equal(resolveOptions({ threads: 3 }).threads, 3);
});
