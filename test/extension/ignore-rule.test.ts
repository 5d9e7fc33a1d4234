// ignore-rule.ts: which .gitignore lines already keep .rnp-scan/ out of git, and the line the hint adds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ignoresScanFolders, withIgnoreLine } from '../../src/extension/ignore-rule';

test('the spellings that ignore every .rnp-scan folder, and the ones that do not', () => {
  for (const t of ['.rnp-scan', '.rnp-scan/\n', 'node_modules/\r\n**/.rnp-scan/\n', '.rnp-scan/**', '  .rnp-scan/*  ']) assert.equal(ignoresScanFolders(t), true, JSON.stringify(t));
  for (const t of ['', '# .rnp-scan/', 'rnp-scan/', '/models/.rnp-scan/', '.rnp-scan/\n!.rnp-scan/']) assert.equal(ignoresScanFolders(t), false, JSON.stringify(t));
});

test('the added line ends the file on a line of its own, and then the file ignores the folder', () => {
  assert.equal(withIgnoreLine('dist'), 'dist\n# RNP Backdoor Scan: scan reports and repaired model copies\n.rnp-scan/\n');
  assert.equal(withIgnoreLine(''), '# RNP Backdoor Scan: scan reports and repaired model copies\n.rnp-scan/\n');
  for (const t of ['', 'dist', 'dist\n', '.rnp-scan/\n!.rnp-scan/\n']) assert.equal(ignoresScanFolders(withIgnoreLine(t)), true);
});
