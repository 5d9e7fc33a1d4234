// Exit codes (issue #22), the same for one model and a batch: 0 no finding at or above --fail-on, 3 a finding,
// 2 bad input or usage, 1 internal error, 130 cancelled (cli/hostile.test.ts). And --sarif for one scan.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { batchExitCode, isFinding, scanExitCode } from '../../src/cli/exit-codes';
import { sarifErrors } from '../sarif-schema';

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'dist/cli.js');
const DEMO = path.join(ROOT, 'demo');
const cli = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });

test('the exit-code rules: each verdict under each --fail-on, and a batch takes the most serious outcome', () => {
  const table: [string, string, number][] = [
    ['backdoored', 'backdoored', 3], ['backdoored', 'inconclusive', 3], ['backdoored', 'never', 0],
    ['inconclusive', 'backdoored', 0], ['inconclusive', 'inconclusive', 3], ['inconclusive', 'never', 0],
    ['clean', 'backdoored', 0], ['clean', 'inconclusive', 0], ['clean', 'never', 0],
  ];
  for (const [verdict, failOn, code] of table) assert.equal(scanExitCode(verdict as never, failOn as never), code, `${verdict} --fail-on ${failOn}`);
  assert.equal(isFinding(null, 'inconclusive'), false);
  const done = (verdict: string) => ({ status: 'done' as const, verdict: verdict as never, code: null });
  const error = (code: string) => ({ status: 'error' as const, verdict: null, code: code as never });
  assert.equal(batchExitCode([done('clean'), done('clean')], 'backdoored'), 0);
  assert.equal(batchExitCode([done('clean'), done('backdoored')], 'backdoored'), 3);
  assert.equal(batchExitCode([done('inconclusive')], 'backdoored'), 0);
  assert.equal(batchExitCode([done('inconclusive')], 'inconclusive'), 3);
  assert.equal(batchExitCode([done('backdoored')], 'never'), 0);
  assert.equal(batchExitCode([done('backdoored'), error('MODEL_INVALID')], 'backdoored'), 2);
  assert.equal(batchExitCode([error('MODEL_INVALID'), error('INTERNAL')], 'never'), 1);
  assert.equal(batchExitCode([], 'backdoored'), 0);
});

test('one scan of the backdoored demo: exit 3 unless --fail-on never; --sarif writes a valid log naming the model', { timeout: 300_000 }, () => {
  const out = mkdtempSync(path.join(tmpdir(), 'rnp-exit-'));
  const base = [path.join(DEMO, 'model.onnx'), '--data', path.join(DEMO, 'defense.npz'), '--out', out, '--mode', 'paper', '--unlearn-epochs', '2', '--recover-epochs', '2', '--no-export'];
  const sarif = path.join(out, 'findings.sarif');
  for (const [extra, code] of [[[], 3], [['--fail-on', 'backdoored'], 3], [['--fail-on', 'inconclusive'], 3], [['--fail-on', 'never', '--sarif', sarif], 0]] as [string[], number][]) {
    const r = cli([...base, ...extra]);
    assert.equal(r.status, code, `${extra.join(' ')}: ${r.stderr.slice(-500)}`);
    assert.match(r.stdout, /verdict:\s+BACKDOORED \(target label 0 \(T-shirt\/top\)\)/, "the demo names its classes (demo/labels.txt)");
  }
  const log = JSON.parse(readFileSync(sarif, 'utf8'));
  assert.deepEqual(sarifErrors(log), []);
  const [result] = log.runs[0].results;
  assert.equal(result.ruleId, 'RNP001');
  assert.equal(result.level, 'error');
  assert.match(result.message.text, /Backdoor found in model\.onnx: target label 0/);
  assert.equal(result.locations[0].physicalLocation.artifactLocation.uri, `file://${path.join(DEMO, 'model.onnx')}`, 'outside the SARIF folder: an absolute URI');
  assert.equal(cli([...base, '--fail-on', 'sometimes']).status, 2, 'a bad --fail-on is a usage error');
  assert.equal(cli([...base, '--shard', '0/2']).status, 2, '--shard is for batch');
});
