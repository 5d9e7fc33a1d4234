// extension/panel-column.ts: the report panel makes a second column beside one editor group and reuses a
// neighbouring group when there are two or more (never a third narrow column). The real host checks it too (suite step 8).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { panelColumn } from '../../src/extension/panel-column';

test('one group (or none known): beside; two or more: the right neighbour, or the left one from the last group', () => {
  assert.equal(panelColumn(1, 1), 'beside');
  assert.equal(panelColumn(undefined, 3), 'beside');
  assert.equal(panelColumn(1, 2), 2);
  assert.equal(panelColumn(2, 2), 1);
  assert.equal(panelColumn(2, 3), 3);
  assert.equal(panelColumn(3, 3), 2);
  for (let n = 2; n <= 6; n++) for (let a = 1; a <= n; a++) {
    const c = panelColumn(a, n) as number;
    assert.ok(c >= 1 && c <= n && c !== a, `active ${a} of ${n} → ${c}: an existing group, not the active one`);
  }
});
