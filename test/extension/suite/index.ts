/**
 * Integration suite that runs *inside a real VS Code extension host* (extensionTestsPath): code-server in
 * test/e2e/run.sh, or desktop VS Code through run-electron.ts. VS Code calls run(); resolving = pass.
 * The workspace is prepared by the runner: model.onnx, defense.npz, clean_test.npz, poison_test.npz and
 * .vscode/settings.json presetting rnp.defenseData / rnp.cleanTest / rnp.poisonTest (no quick pick).
 */
import * as vscode from 'vscode';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { alive } from '../process-alive';

const EXT_ID = 'rnp-scan.rnp-backdoor-scan';
const log = (...a: unknown[]) => console.log('[rnp-suite]', ...a);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
type Diag = { busy: boolean; lastOutcome: string | null; lastRequest: { data: string; cleanTest?: string } | null; workerPids: number[]; loopDelayMs: { mean: number; p99: number; max: number; seconds: number } | null; panelOpen: boolean };
const diag = () => vscode.commands.executeCommand<Diag>('rnp._diagnostics');
const sha = (p: string) => createHash('sha256').update(fs.readFileSync(p)).digest('hex');
function listTree(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .map((rel) => {
      const st = fs.statSync(path.join(dir, rel));
      return `${rel}:${st.isFile() ? `${st.size}:${st.mtimeMs}` : 'dir'}`;
    })
    .sort();
}

/** Accepts the quick pick's highlighted entry (again and again: under load it may open late) until `done`. */
async function acceptQuickPickUntil(what: string, done: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    await sleep(1000);
  }
}

async function waitFor<T>(what: string, f: () => Promise<T | undefined | false>, ms = 120_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

export async function run(): Promise<void> {
  const ws = vscode.workspace.workspaceFolders![0].uri.fsPath;
  const model = path.join(ws, 'model.onnx');
  const modelSha = sha(model);
  const ext = vscode.extensions.getExtension(EXT_ID);
  assert.ok(ext, `${EXT_ID} is installed`);
  const pkg = ext.packageJSON as { activationEvents: string[] };
  assert.ok(!pkg.activationEvents.includes('*'), 'no * activation');
  await ext.activate();
  const cmds = await vscode.commands.getCommands(true);
  for (const c of ['rnp.scan', 'rnp.scanFolder', 'rnp.export', 'rnp.cancel', 'rnp.openReport', 'rnp.inspectSamples', 'rnp.exportFlaggedSamples', 'rnp.checkDefenseData', 'rnp._diagnostics']) assert.ok(cmds.includes(c), `${c} registered`);

  // 0. Baseline: the same extension host's event-loop delay while idle (no scan), to compare with the scan's.
  const idle = monitorEventLoopDelay({ resolution: 10 });
  idle.enable();
  await sleep(8000);
  idle.disable();
  const ms = (ns: number) => Math.round((ns / 1e6) * 100) / 100;
  log(`EVENT-LOOP-DELAY idle baseline (8 s): ${JSON.stringify({ mean: ms(idle.mean), p50: ms(idle.percentile(50)), p99: ms(idle.percentile(99)), max: ms(idle.max) })}`);

  // 1. A full scan through the command, as the context menu runs it.
  const t0 = Date.now();
  const done = await vscode.commands.executeCommand<{
    result: { layers: { masks: number[] }[]; verdict: string; detectedLabel: number | null; threshold: number; after: { acc: number | null }; data: { cleanTest: { count: number } | null }; repair: { model: string; modelSha256: string } | null };
    resultPath: string;
  }>('rnp.scan', vscode.Uri.file(model));
  assert.ok(done, 'scan returned a result');
  log(`scan took ${((Date.now() - t0) / 1000).toFixed(1)} s: verdict ${done.result.verdict}, label ${done.result.detectedLabel}, ${done.result.layers.length} masked layers`);
  assert.ok(done.result.layers.length > 0);
  assert.ok(fs.existsSync(done.resultPath), 'scan.json written');
  // labels.txt beside the model (copied from demo/) names the classes in the report.
  const named = done.result as unknown as { classNames?: string[] | null; classNamesSource?: string | null };
  assert.deepEqual([named.classNames?.[0], named.classNames?.length, named.classNamesSource], ['T-shirt/top', 10, path.join(ws, 'labels.txt')]);
  assert.equal(path.dirname(path.dirname(done.resultPath)), path.join(ws, '.rnp-scan', 'model.onnx'), 'each scan in its own run folder');
  // The explorer badge of the model, from that report: BD for backdoored.
  assert.equal(await vscode.commands.executeCommand('rnp._badge', model), done.result.verdict === 'backdoored' ? 'BD' : done.result.verdict === 'clean' ? '✓' : '?');
  assert.equal(await vscode.commands.executeCommand('rnp._badge', path.join(ws, 'readme.txt')), null, 'no badge on other files');
  // The model editor: opening the .onnx shows what it is (summarised in a worker) and this scan's verdict.
  await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(model), 'rnp.model');
  type ModelPage = { summary: { scannable: { ok: boolean; numClasses?: number; maskChannels?: number }; sha256: string } | null; error: string | null; last: { verdict: string; resultPath: string } | null; reports: number };
  const page = await waitFor('the model editor page', async () => {
    const p = await vscode.commands.executeCommand<ModelPage | null>('rnp._modelEditor', model);
    return p && (p.summary || p.error) && p.last ? p : undefined;
  });
  assert.equal(page.error, null);
  assert.equal(page.summary!.sha256, modelSha);
  assert.deepEqual([page.summary!.scannable.ok, page.summary!.scannable.numClasses, page.summary!.scannable.maskChannels], [true, 10, 112]);
  assert.equal(page.last!.verdict, done.result.verdict);
  assert.equal(page.last!.resultPath, done.resultPath);
  log(`model editor: ${page.reports} report(s), newest ${page.last!.verdict}`);
  // With the model's tab active, the status bar gives its verdict; the Problems panel has the finding on the file.
  const bar = await waitFor('the status bar verdict', async () => ((await diag()) as { statusBar?: string | null }).statusBar ?? undefined, 30_000);
  assert.equal(bar, done.result.verdict === 'backdoored' ? `$(error) RNP: backdoor${done.result.detectedLabel !== null ? ` (label ${done.result.detectedLabel})` : ''}` : done.result.verdict === 'clean' ? '$(pass) RNP: no backdoor found' : '$(question) RNP: inconclusive');
  const problems = vscode.languages.getDiagnostics(vscode.Uri.file(model)).filter((d) => d.source === 'RNP Backdoor Scan');
  if (done.result.verdict === 'clean') assert.equal(problems.length, 0);
  else {
    assert.equal(problems.length, 1);
    if (done.result.verdict === 'backdoored' && done.result.detectedLabel === 0) assert.match(problems[0].message, /^Backdoor found: target label 0 \(T-shirt\/top\)/);
  }
  await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  // The defense-data check, as "Check Defense Data…" runs it: the demo's data fits; a file that is not data is an
  // error naming it. Both in a worker that exits.
  type Outcome = { ok: true; check: { count: number; classCounts: number[]; preprocessing: { accuracy: number }; findings: { level: string }[] } } | { ok: false; cancelled: boolean; message: string };
  const fits = await vscode.commands.executeCommand<Outcome>('rnp.checkDefenseData', model, path.join(ws, 'defense.npz'));
  assert.ok(fits?.ok, JSON.stringify(fits));
  assert.equal(fits.check.count, 500);
  assert.deepEqual(fits.check.classCounts, new Array(10).fill(50));
  assert.deepEqual(fits.check.findings.map((f) => f.level), ['info'], 'the demo data raises no warning');
  const junk = path.join(ws, 'not-data.npz');
  fs.writeFileSync(junk, 'not a zip '.repeat(20));
  const bad = await vscode.commands.executeCommand<Outcome>('rnp.checkDefenseData', model, junk);
  assert.ok(bad && !bad.ok && !bad.cancelled && bad.message.startsWith(`${junk}: `), JSON.stringify(bad));
  fs.rmSync(junk);
  log(`defense-data check: ${fits.check.count} samples, model right on ${(100 * fits.check.preprocessing.accuracy).toFixed(1)} %; junk: ${bad.message}`);
  assert.deepEqual((await diag()).workerPids, [], 'the check workers exited');
  const d1 = await diag();
  assert.ok(d1.loopDelayMs, 'event-loop delay measured');
  log(`EVENT-LOOP-DELAY during scan: ${JSON.stringify(d1.loopDelayMs)}`);
  assert.equal(d1.panelOpen, true, 'report panel open');
  assert.equal((d1 as { panelTitle?: string }).panelTitle, `Backdoor Scan: ${path.basename(ws)}/model.onnx`, 'the tab names the folder too');
  assert.deepEqual(d1.workerPids, [], 'worker exited after the scan');

  // 2. Export at a chosen threshold (dest given: no save dialog), and the refusal to overwrite the model.
  const dest = path.join(ws, 'suite-export.pruned.onnx');
  fs.rmSync(dest, { force: true });
  const ex = await vscode.commands.executeCommand<{ path: string; acc: number | null; asr: number | null }>('rnp.export', 0.3, dest);
  assert.ok(ex && fs.existsSync(dest), 'exported file exists');
  log(`exported ${ex.path}: acc ${ex.acc} asr ${ex.asr}`);
  assert.equal(await vscode.commands.executeCommand('rnp.export', 0.3, model), undefined, 'export onto the model is refused');
  // 2a. At the scan's own threshold: the repaired model (adaptive, backdoored), byte for byte, with the scan's `after`
  //     accuracy; a scan that pruned nothing (threshold -1) refuses to export a copy of the original.
  const own = path.join(ws, 'suite-export.scan-threshold.onnx');
  fs.rmSync(own, { force: true });
  const exOwn = await vscode.commands.executeCommand<{ path: string; acc: number | null } | undefined>('rnp.export', done.result.threshold, own);
  if (done.result.threshold < 0) {
    assert.equal(exOwn, undefined, 'nothing pruned: no export');
    assert.equal(fs.existsSync(own), false);
  } else {
    assert.ok(exOwn && fs.existsSync(own), 'exported at the scan threshold');
    if (done.result.repair) {
      assert.equal(sha(own), done.result.repair.modelSha256, 'the export at the scan threshold is the repaired model');
      // The same weights, reloaded from the file: at most a near-tie prediction apart.
      const n = done.result.data.cleanTest?.count ?? 1;
      assert.ok(Math.abs((exOwn.acc ?? NaN) - (done.result.after.acc ?? NaN)) <= 1.5 / n, `the repaired model's accuracy ${exOwn.acc} is the scan's after ${done.result.after.acc}`);
      assert.notEqual(sha(dest), done.result.repair.modelSha256, 'another threshold is prune-only');
    }
    log(`exported at the scan's threshold ${done.result.threshold}: ${done.result.repair ? 'repaired' : 'prune-only'}, acc ${exOwn.acc}`);
  }
  assert.equal(sha(model), modelSha, 'model unchanged');

  // 2a'. Save the shown report (dest given: no save dialog) as self-contained HTML and as Markdown; the data block
  //      of the HTML is this scan's result; another extension is refused with a message, and nothing is written.
  const htmlDest = path.join(ws, 'suite-report.html');
  const mdDest = path.join(ws, 'suite-report.md');
  for (const f of [htmlDest, mdDest]) fs.rmSync(f, { force: true });
  assert.equal(await vscode.commands.executeCommand('rnp.saveReport', htmlDest), htmlDest);
  const data = /<script type="application\/json" id="rnp-report-data">([^<]*)<\/script>/.exec(fs.readFileSync(htmlDest, 'utf8'));
  assert.ok(data, 'the HTML report carries its data');
  assert.equal(JSON.parse(data[1]).modelSha256, modelSha);
  assert.equal(await vscode.commands.executeCommand('rnp.saveReport', mdDest), mdDest);
  assert.match(fs.readFileSync(mdDest, 'utf8'), /^# Backdoor scan of `model\.onnx`: /);
  assert.equal(await vscode.commands.executeCommand('rnp.saveReport', path.join(ws, 'suite-report.txt')), undefined, 'a .txt report is refused');
  assert.equal(fs.existsSync(path.join(ws, 'suite-report.txt')), false);
  log(`saved the report as ${htmlDest} (${fs.statSync(htmlDest).size} bytes) and ${mdDest}`);

  // 2b. Inspect a dataset for poisoned samples (dataset and model given: no questions; the defense data comes from
  //     the settings): the ranking reaches the panel's grid, and the flagged indices are written where asked.
  const inspectPath = path.join(ws, 'poison_test.npz');
  const ranked = await vscode.commands.executeCommand<{ output: { samples: { index: number; score: number }[]; previews?: { index: number }[] } }>('rnp.inspectSamples', inspectPath, model);
  assert.ok(ranked, 'ranking returned');
  const ranking = ranked.output.samples;
  for (let i = 1; i < ranking.length; i++) assert.ok(ranking[i - 1].score >= ranking[i].score, `rank ${i} out of order`);
  assert.deepEqual(ranked.output.previews?.map((p) => p.index), ranking.slice(0, 200).map((s) => s.index), 'thumbnails for the shown tiles, in rank order');
  const ds = (await diag()) as unknown as { samples: { inspect: string; count: number } | null; panelSampleTiles: number | null; workerPids: number[] };
  assert.deepEqual(ds.samples && { inspect: ds.samples.inspect, count: ds.samples.count }, { inspect: inspectPath, count: ranking.length });
  assert.equal(ds.panelSampleTiles, Math.min(200, ranking.length), 'the panel holds the grid');
  assert.deepEqual(ds.workerPids, [], 'worker exited after the ranking');
  const flaggedPath = path.join(ws, 'suite-flagged.json');
  fs.rmSync(flaggedPath, { force: true });
  assert.equal(await vscode.commands.executeCommand('rnp.exportFlaggedSamples', 5, flaggedPath), flaggedPath);
  const flagged = JSON.parse(fs.readFileSync(flaggedPath, 'utf8')) as { model: string; inspect: string; indices: number[]; scores: number[] };
  assert.equal(flagged.model, model);
  assert.equal(flagged.inspect, inspectPath);
  assert.deepEqual(flagged.indices, ranking.slice(0, 5).map((s) => s.index));
  assert.deepEqual(flagged.scores, ranking.slice(0, 5).map((s) => s.score));
  assert.equal(await vscode.commands.executeCommand('rnp.exportFlaggedSamples', 5, inspectPath), undefined, 'export onto the dataset is refused');
  assert.equal(sha(model), modelSha, 'model unchanged');
  log(`ranked ${ranking.length} samples of poison_test.npz; flagged 5 written to ${flaggedPath}`);

  // 3. Cancel: the worker is gone when the command settles, and nothing new is on disk.
  const before = listTree(ws);
  const scanning = vscode.commands.executeCommand('rnp.scan', vscode.Uri.file(model));
  const pids = await waitFor('worker to start', async () => {
    const d = await diag();
    return d.workerPids.length > 0 && d.workerPids;
  });
  await sleep(1500); // into the training loop
  const tc = Date.now();
  await vscode.commands.executeCommand('rnp.cancel');
  await scanning;
  const cancelMs = Date.now() - tc;
  log(`CANCEL: worker ${pids.join(',')} gone ${cancelMs} ms after rnp.cancel (host: ${(await diag() as unknown as { lastCancelMs: number }).lastCancelMs} ms from cancel() to exit)`);
  for (const pid of pids) assert.equal(alive(pid), false, `worker ${pid} still alive`);
  assert.equal((await diag()).lastOutcome, 'cancelled');
  assert.deepEqual(listTree(ws), before, 'cancel left no file behind');

  // 4. A crashed worker (killed from outside) is reported and the extension stays usable.
  const crashing = vscode.commands.executeCommand('rnp.scan', vscode.Uri.file(model));
  const cpids = await waitFor('worker to start', async () => {
    const d = await diag();
    return d.workerPids.length > 0 && d.workerPids;
  });
  process.kill(cpids[0], 'SIGKILL');
  await crashing;
  assert.equal((await diag()).lastOutcome, 'crash');

  // 5. An engine error (bad defense data) comes back as an error naming the file, then settings are restored.
  const cfg = vscode.workspace.getConfiguration('rnp');
  const orig = cfg.inspect<string>('defenseData')?.workspaceValue;
  await cfg.update('defenseData', 'readme.txt', vscode.ConfigurationTarget.Workspace);
  try {
    await vscode.commands.executeCommand('rnp.scan', vscode.Uri.file(model));
    assert.equal((await diag()).lastOutcome, 'engine');
  } finally {
    await cfg.update('defenseData', orig, vscode.ConfigurationTarget.Workspace);
  }

  // 5b. rnp.mode "paper" in the settings runs exactly the CLI's paper plan (`rnp-scan plan --mode paper`): the other
  //     settings left at their package.json defaults must not turn on the adaptive mode's trigger search or repair.
  const origMode = cfg.inspect<string>('mode')?.workspaceValue;
  await cfg.update('mode', 'paper', vscode.ConfigurationTarget.Workspace);
  try {
    const paper = await vscode.commands.executeCommand<{ result: { mode: string; plan: unknown; options: Record<string, unknown> }; resultPath: string }>('rnp.scan', vscode.Uri.file(model));
    assert.ok(paper, 'paper-mode scan returned a result');
    // The re-scan kept the first report: both are on disk and the panel's history lists both, newest first.
    assert.notEqual(paper.resultPath, done.resultPath);
    assert.ok(fs.existsSync(done.resultPath) && fs.existsSync(paper.resultPath), 'the earlier report is kept');
    const hist = ((await diag()) as unknown as { panelHistory: string[] | null }).panelHistory ?? [];
    assert.deepEqual(hist.slice(0, 2), [paper.resultPath, done.resultPath], 'the history lists the two scans, newest first');
    const extra = Object.entries(cfg.inspect<number>('recover.epochs')?.workspaceValue !== undefined ? { '--recover-epochs': String(cfg.get('recover.epochs')) } : {}).flat();
    const cli = spawnSync(process.execPath, [path.join(ext.extensionPath, 'dist', 'cli.js'), 'plan', model, '--data', path.join(ws, 'defense.npz'), '--clean-test', path.join(ws, 'clean_test.npz'), '--poison-test', path.join(ws, 'poison_test.npz'), '--mode', 'paper', '--no-export', '--json', ...extra], { encoding: 'utf8', env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } });
    assert.equal(cli.status, 0, `rnp-scan plan: ${cli.stderr}`);
    assert.equal(paper.result.mode, 'paper');
    assert.deepEqual(paper.result.plan, JSON.parse(cli.stdout), "the settings' paper plan is the CLI's");
    assert.equal(paper.result.options.trigger, false);
    assert.equal(paper.result.options.repair, false);
    log(`paper plan from settings = CLI paper plan: ${JSON.stringify((paper.result.plan as { stages: { stage: string; when: string }[] }).stages.map((x) => `${x.stage}:${x.when}`))}`);
  } finally {
    await cfg.update('mode', origMode, vscode.ConfigurationTarget.Workspace);
  }

  // 6. The defense data is asked once per model: without the setting a quick pick opens (accept its first entry,
  //    defense.npz: test sets are listed last), and the next scan of the model asks nothing.
  await cfg.update('defenseData', undefined, vscode.ConfigurationTarget.Workspace);
  try {
    const asking = vscode.commands.executeCommand('rnp.scan', vscode.Uri.file(model));
    await sleep(2500);
    assert.deepEqual((await diag()).workerPids, [], 'no worker before the data is chosen');
    await acceptQuickPickUntil('worker after the quick pick', async () => (await diag()).workerPids.length > 0);
    assert.equal((await diag()).lastRequest?.data, path.join(ws, 'defense.npz'), 'quick pick chose defense.npz');
    await vscode.commands.executeCommand('rnp.cancel');
    await asking;
    const again = vscode.commands.executeCommand('rnp.scan', vscode.Uri.file(model));
    await waitFor('worker without asking again', async () => (await diag()).workerPids.length > 0, 20_000);
    assert.equal((await diag()).lastRequest?.data, path.join(ws, 'defense.npz'), 'remembered per model');
    await vscode.commands.executeCommand('rnp.cancel');
    await again;
  } finally {
    await cfg.update('defenseData', orig, vscode.ConfigurationTarget.Workspace);
  }

  // 6b. Without test-set settings, the clean_test.npz / poison_test.npz beside defense.npz are offered once
  //     (a notification; its primary action is "Use them"), and remembered for the model.
  const origClean = cfg.inspect<string>('cleanTest')?.workspaceValue;
  const origPoison = cfg.inspect<string>('poisonTest')?.workspaceValue;
  await cfg.update('cleanTest', undefined, vscode.ConfigurationTarget.Workspace);
  await cfg.update('poisonTest', undefined, vscode.ConfigurationTarget.Workspace);
  try {
    const offered = vscode.commands.executeCommand('rnp.scan', vscode.Uri.file(model));
    const accept = async () => {
      while ((await diag()).workerPids.length === 0) {
        await vscode.commands.executeCommand('notification.acceptPrimaryAction');
        await sleep(1000);
      }
    };
    await Promise.race([accept(), sleep(60_000).then(() => Promise.reject(new Error('timed out accepting the test-set offer')))]);
    const req = (await diag()).lastRequest as { cleanTest?: string; poisonTest?: string };
    assert.equal(req.cleanTest, path.join(ws, 'clean_test.npz'));
    assert.equal(req.poisonTest, path.join(ws, 'poison_test.npz'));
    await vscode.commands.executeCommand('rnp.cancel');
    await offered;
    const remembered = vscode.commands.executeCommand('rnp.scan', vscode.Uri.file(model));
    await waitFor('worker without a second offer', async () => (await diag()).workerPids.length > 0, 20_000);
    assert.equal(((await diag()).lastRequest as { cleanTest?: string }).cleanTest, path.join(ws, 'clean_test.npz'));
    await vscode.commands.executeCommand('rnp.cancel');
    await remembered;
  } finally {
    await cfg.update('cleanTest', origClean, vscode.ConfigurationTarget.Workspace);
    await cfg.update('poisonTest', origPoison, vscode.ConfigurationTarget.Workspace);
  }

  // 7. From the palette (no file given) a quick pick lists the workspace's models; model.onnx sorts first.
  const palette = vscode.commands.executeCommand('rnp.scan');
  await sleep(2500);
  await acceptQuickPickUntil('worker after the model pick', async () => (await diag()).workerPids.length > 0);
  assert.equal((await diag() as unknown as { lastRequest: { model: string } }).lastRequest.model, model);
  await vscode.commands.executeCommand('rnp.cancel');
  await palette;

  // 8. Still usable: the last report opens again. With two editor groups open it goes into the second one: two
  //    columns stay two (issue #23 item 10), not a third narrow one.
  const panelTabs = () => vscode.window.tabGroups.all.flatMap((g) => g.tabs.filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('rnp.report')).map(() => g.viewColumn));
  for (let i = 0; i < 5 && panelTabs().length; i++) await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  assert.deepEqual(panelTabs(), [], 'the panel closed');
  await vscode.window.showTextDocument(vscode.Uri.file(path.join(ws, 'readme.txt')), { viewColumn: vscode.ViewColumn.One });
  await vscode.window.showTextDocument(vscode.Uri.file(path.join(ws, 'readme.txt')), { viewColumn: vscode.ViewColumn.Two, preserveFocus: false });
  await vscode.window.showTextDocument(vscode.Uri.file(path.join(ws, 'readme.txt')), { viewColumn: vscode.ViewColumn.One, preserveFocus: false });
  assert.equal(vscode.window.tabGroups.all.length, 2);
  await vscode.commands.executeCommand('rnp.openReport');
  assert.equal((await diag()).panelOpen, true);
  await waitFor('the panel tab', async () => panelTabs().length === 1, 10_000);
  assert.equal(vscode.window.tabGroups.all.length, 2, 'no third column');
  assert.deepEqual(panelTabs(), [vscode.ViewColumn.Two]);
  await vscode.commands.executeCommand('workbench.action.joinAllGroups');

  // 9. Scan Folder for Backdoors (issue #22): three copies of the demo under zoo/, short paper-mode settings; every
  //    copy is backdoored, so the Problems panel gets one RNP001 error on each model file, at 0:0, naming label 0;
  //    the summary table lists them; a rerun reuses all three (nothing scanned) and keeps the findings.
  const zoo = path.join(ws, 'zoo');
  // The model outside the folder keeps what it had (its own single scan's finding), whatever the folder scan finds.
  const outsideBefore = vscode.languages.getDiagnostics(vscode.Uri.file(model)).map((d) => d.message);
  const copies = [path.join(zoo, 'a.onnx'), path.join(zoo, 'nested', 'b.onnx'), path.join(zoo, 'c.onnx')];
  for (const c of copies) {
    fs.mkdirSync(path.dirname(c), { recursive: true });
    fs.copyFileSync(model, c);
  }
  fs.writeFileSync(path.join(zoo, 'notes.txt'), 'not a model');
  const short: [string, unknown][] = [['mode', 'paper'], ['unlearn.epochs', 2], ['recover.epochs', 2]];
  const saved = short.map(([k]) => [k, cfg.inspect(k)?.workspaceValue] as const);
  for (const [k, v] of short) await cfg.update(k, v, vscode.ConfigurationTarget.Workspace);
  try {
    type BatchAnswer = { output: { entries: { model: { rel: string; path: string }; row: { verdict: string | null; detectedLabel: number | null; status: string }; skipped: boolean }[]; resultsPath: string } };
    const tb = Date.now();
    const batch = await vscode.commands.executeCommand<BatchAnswer | undefined>('rnp.scanFolder', zoo);
    assert.ok(batch, 'the folder scan returned');
    log(`scan folder: ${batch.output.entries.length} models in ${((Date.now() - tb) / 1000).toFixed(1)} s: ${batch.output.entries.map((e) => `${e.model.rel} ${e.row.verdict} ${e.row.detectedLabel}`).join(', ')}`);
    assert.deepEqual(batch.output.entries.map((e) => e.model.rel), ['a.onnx', 'c.onnx', 'nested/b.onnx']);
    assert.ok(batch.output.entries.every((e) => e.row.status === 'done' && e.row.verdict === 'backdoored' && e.row.detectedLabel === 0));
    assert.equal(batch.output.resultsPath, path.join(zoo, '.rnp-scan', 'batch', 'results.jsonl'));
    const problems = () =>
      copies.map((c) => {
        const ds = vscode.languages.getDiagnostics(vscode.Uri.file(c));
        assert.equal(ds.length, 1, `one diagnostic on ${c}`);
        const [d] = ds;
        assert.equal(d.severity, vscode.DiagnosticSeverity.Error);
        assert.equal(d.code, 'RNP001');
        assert.equal(d.source, 'RNP Backdoor Scan');
        assert.ok(d.range.start.line === 0 && d.range.start.character === 0, 'at 0:0');
        assert.match(d.message, /^Backdoor found: target label 0/);
        return d.message;
      });
    log(`Problems panel: ${problems().length} findings, e.g. "${problems()[0]}"`);
    assert.deepEqual(vscode.languages.getDiagnostics(vscode.Uri.file(model)).map((d) => d.message), outsideBefore, 'nothing added on the model outside the folder');
    const db = (await diag()) as unknown as { batchPanelRows: number | null; lastBatch: { models: { model: string; verdict: string }[] } | null; workerPids: number[] };
    assert.equal(db.batchPanelRows, 3, 'the summary table shows the three models');
    assert.deepEqual(db.workerPids, [], 'worker exited after the batch');
    const rerun = await vscode.commands.executeCommand<BatchAnswer | undefined>('rnp.scanFolder', zoo);
    assert.ok(rerun && rerun.output.entries.every((e) => e.skipped), 'the rerun reuses every done model');
    problems();
    assert.equal(sha(model), modelSha, 'model unchanged');
  } finally {
    for (const [k, v] of saved) await cfg.update(k, v, vscode.ConfigurationTarget.Workspace);
  }
  log('EXT-TESTS PASS');
}
