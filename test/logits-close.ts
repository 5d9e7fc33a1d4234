// The tolerance the parity tests hold logits to: within 1e-4 of the reference, relative to its size (plus 1e-4
// absolute near 0), element by element, same length.
import assert from 'node:assert/strict';

export function assertLogitsClose(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < b.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= 1e-4 * (1 + Math.abs(b[i])), `${what}, logit ${i}: ${a[i]} vs ${b[i]}`);
}
