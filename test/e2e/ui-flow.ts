/**
 * The user's path through the packaged extension in code-server, driven in headless Chromium: right-click
 * model.onnx → "Scan for Backdoors" → report panel → heatmap rows/cells checked against scan.json → slider →
 * export through the save dialog → the exported model checked with onnxruntime-node → right-click poison_test.npz
 * → "Inspect Dataset for Poisoned Samples" → the sample grid → flagged indices exported through the save dialog →
 * screenshots in dark, light and high-contrast themes → a second scan cancelled from the notification, with `ps`
 * showing no worker left → right-click a folder → "Scan Folder for Backdoors" → summary table → the Problems panel
 * (test-artifacts/problems-panel.png).
 * Run by test/e2e/run.sh (env CS_URL, RUN_DIR, ARTIFACTS). Exit code 0 = pass.
 */
import { chromium, type FrameLocator, type Page } from 'playwright-core';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as ort from 'onnxruntime-node';
import { loadDataset } from '../../src/engine/data/load';
import type { ScanResult } from '../../src/engine/result';

const CS_URL = process.env.CS_URL ?? 'http://127.0.0.1:8080';
const RUN = process.env.RUN_DIR!;
const WS = path.join(RUN, 'ws');
const ART = process.env.ARTIFACTS ?? 'test-artifacts';
const SCAN_TIMEOUT = Number(process.env.SCAN_TIMEOUT_MS ?? 15 * 60_000);
const T0 = Date.now();
const log = (...a: unknown[]) => console.log(`[e2e ${((Date.now() - T0) / 1000).toFixed(1)}s]`, ...a);
const shots: string[] = [];

function check(cond: unknown, msg: string): asserts cond {
  if (!cond) throw new Error(`check failed: ${msg}`);
}

/** Worker processes of this run's extension install (ps, as a user would look). */
function workerPids(): number[] {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((l) => l.includes(`${RUN}/extensions/`) && l.includes('dist/worker.js'))
    .map((l) => Number(l.trim().split(/\s+/)[0]));
}

function listTree(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .map((rel) => {
      const st = fs.statSync(path.join(dir, rel));
      return `${rel}:${st.isFile() ? `${st.size}:${st.mtimeMs}` : 'dir'}`;
    })
    .sort();
}

async function retry(page: Page, what: string, fn: () => Promise<unknown>, timeoutMs = 90_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await fn().then(() => true, () => false)) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await page.keyboard.press('Escape');
    await page.waitForTimeout(1000);
  }
}

async function runFromContextMenu(page: Page, file: string, item: string, icon: 'file-icon' | 'folder-icon' = 'file-icon'): Promise<void> {
  // The file's own row (a compact folder row such as ".rnp-scan/model.onnx" contains the name too).
  const exact = new RegExp(`^${file.replace(/\./g, '\\.')}$`);
  const row = page.locator('.explorer-folders-view .monaco-list-row').filter({ has: page.locator(`.monaco-icon-label.${icon} .label-name`, { hasText: exact }) }).first();
  await row.waitFor({ timeout: 60_000 });
  const entry = page.locator('.monaco-menu .action-item', { hasText: item }).first();
  // Contributions appear a few seconds after the explorer renders; a menu opened earlier never updates.
  await retry(page, `context menu item ${item}`, async () => {
    await row.click({ button: 'right' });
    await page.locator('.monaco-menu').first().waitFor({ timeout: 5000 });
    await entry.waitFor({ timeout: 2000 });
  });
  await entry.click();
  // On a loaded machine a click can land while the menu is still settling and be swallowed (seen in CI: the menu
  // stayed open with the item highlighted). If the menu is still there, click the item again.
  for (let i = 0; i < 3; i++) {
    await page.waitForTimeout(1000);
    if (!(await entry.isVisible().catch(() => false))) return;
    await entry.click().catch(() => undefined);
  }
}

/** Webview content: outer iframe (class webview) → inner #active-frame. */
function panel(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.mouse.move(5, 500);
  await page.waitForTimeout(800);
  const full = path.join(ART, `${name}.png`);
  await page.screenshot({ path: full });
  shots.push(path.resolve(full));
  const iframe = page.locator('iframe.webview.ready').first();
  const el = path.join(ART, `${name}-panel.png`);
  await iframe.screenshot({ path: el });
  shots.push(path.resolve(el));
}

async function setTheme(page: Page, theme: string): Promise<void> {
  // As a user does it: F1 → "Preferences: Color Theme" → theme name → Enter.
  await page.locator('.explorer-folders-view').first().click({ position: { x: 40, y: 5 } }).catch(() => undefined);
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: 10_000 });
  await input.fill('>Preferences: Color Theme');
  const command = page.locator('.quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: /^Preferences: Color Theme$/ }) });
  await command.first().click({ timeout: 10_000 });
  // The theme list is virtualised (only rows in view exist): filter it to the name first, as a user would type it.
  await page.waitForTimeout(300);
  await input.fill(theme);
  const row = page.locator('.quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${theme}$`) }) });
  await row.first().click({ timeout: 10_000 });
  const kind = /Light High Contrast/.test(theme) ? 'hc-light' : /High Contrast/.test(theme) ? 'hc-black' : /Light/.test(theme) ? 'vs' : 'vs-dark';
  await page.waitForFunction((k) => document.querySelector('.monaco-workbench')?.classList.contains(k), kind, { timeout: 30_000 });
  await page.waitForTimeout(1000);
}

/** Accuracy of a model on an .npz, with onnxruntime-node as the independent oracle. */
async function ortAccuracy(modelPath: string, dataPath: string, r: ScanResult): Promise<number> {
  const ds = await loadDataset(dataPath, { mean: r.options.preprocess.mean, std: r.options.preprocess.std });
  const [C, H, W] = ds.shape;
  const nchw = new Float32Array(ds.count * C * H * W);
  for (let n = 0; n < ds.count; n++)
    for (let h = 0; h < H; h++)
      for (let w = 0; w < W; w++)
        for (let c = 0; c < C; c++) nchw[((n * C + c) * H + h) * W + w] = ds.x[((n * H + h) * W + w) * C + c];
  const session = await ort.InferenceSession.create(modelPath);
  let correct = 0;
  const B = 100;
  for (let s = 0; s < ds.count; s += B) {
    const b = Math.min(B, ds.count - s);
    const input = new ort.Tensor('float32', nchw.subarray(s * C * H * W, (s + b) * C * H * W), [b, C, H, W]);
    const out = await session.run({ [session.inputNames[0]]: input });
    const logits = out[session.outputNames[0]].data as Float32Array;
    const k = logits.length / b;
    for (let i = 0; i < b; i++) {
      let best = 0;
      for (let j = 1; j < k; j++) if (logits[i * k + j] > logits[i * k + best]) best = j;
      if (best === ds.y[s + i]) correct++;
    }
  }
  return correct / ds.count;
}

async function main(): Promise<void> {
  fs.mkdirSync(ART, { recursive: true });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  const summary: Record<string, unknown> = {};
  let ok = false;
  try {
    await page.goto(`${CS_URL}/?folder=${encodeURIComponent(WS)}`, { waitUntil: 'domcontentloaded' });
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    log('workbench visible');

    // ── the .onnx-only menu entry ──
    await runFromContextMenu(page, 'model.onnx', 'Scan for Backdoors');
    log('clicked "Scan for Backdoors" in the explorer context menu');
    const p = panel(page);
    await p.locator('#scan-status, #verdict-title').first().waitFor({ timeout: 60_000 });
    log('panel opened:', await p.locator('#status-title, #verdict-title').first().textContent());
    await screenshot(page, 'scan-progress');
    await p.locator('#verdict-title').waitFor({ timeout: SCAN_TIMEOUT });
    const verdictTitle = (await p.locator('#verdict-title').textContent()) ?? '';
    log('verdict:', verdictTitle);
    // labels.txt beside the model names the classes: a named target label carries its name.
    const m = /target label (\d+)/.exec(verdictTitle);
    if (m) check(verdictTitle.includes(`target label ${m[1]} (`), `the label is named from labels.txt: ${verdictTitle}`);

    // ── heatmaps against scan.json ──
    // Each scan has its own folder (.rnp-scan/model.onnx/<time>/): the report is where the extension says it put it.
    let resultPath = '';
    for (const t0 = Date.now(); !resultPath; await page.waitForTimeout(200)) {
      check(Date.now() - t0 < 30_000, 'diagnostics name the scan report');
      const d = fs.existsSync(path.join(RUN, 'diagnostics.json')) ? JSON.parse(fs.readFileSync(path.join(RUN, 'diagnostics.json'), 'utf8')) : {};
      resultPath = d.lastResultPath ?? '';
    }
    check(path.dirname(path.dirname(resultPath)) === path.join(WS, '.rnp-scan', 'model.onnx'), `report in a run folder: ${resultPath}`);
    const r = JSON.parse(fs.readFileSync(resultPath, 'utf8')) as ScanResult;
    check((await p.locator('#history tr.history-row').count()) >= 1, 'the history card lists the scan');
    const rows = p.locator('.heatmap-row');
    check((await rows.count()) === r.layers.length, `heatmap rows ${await rows.count()} != layers ${r.layers.length}`);
    for (let i = 0; i < r.layers.length; i++) {
      check((await rows.nth(i).getAttribute('data-layer')) === r.layers[i].name, `row ${i} is ${r.layers[i].name}`);
      const cells = await rows.nth(i).locator('.cell').count();
      check(cells === r.layers[i].masks.length, `${r.layers[i].name}: ${cells} cells for ${r.layers[i].masks.length} channels`);
    }
    log(`heatmaps: ${r.layers.length} rows, ${r.totalChannels} cells, match scan.json`);
    const diag1 = JSON.parse(fs.readFileSync(path.join(RUN, 'diagnostics.json'), 'utf8'));
    summary.eventLoopDelayMs = diag1.loopDelayMs;
    log('extension-host event-loop delay during the scan (ms):', JSON.stringify(diag1.loopDelayMs));
    await screenshot(page, 'panel-dark');

    // ── slider ──
    // (A scan that pruned nothing has threshold -1, which the slider cannot show: only 0.6 then.)
    for (const th of r.threshold >= 0 ? [0.6, r.threshold] : [0.6]) {
      await p.locator('#threshold').fill(String(th));
      const expected = r.layers.reduce((a, l) => a + l.masks.filter((m) => m <= th).length, 0);
      const shown = await p.locator('#pruned-total').textContent();
      check(shown === `${expected} of ${r.totalChannels} channels pruned`, `slider ${th}: "${shown}" (expected ${expected})`);
      check((await p.locator('.cell.pruned').count()) === expected, `marked cells at ${th}`);
      // At the scan's own threshold the panel counts what the scan pruned (masks in scan.json at full precision).
      if (th === r.threshold) check(expected === r.prunedCount, `scan.json masks give ${expected} pruned at the scan's threshold, the scan pruned ${r.prunedCount}`);
      log(`slider at ${th}: ${shown}`);
    }

    // ── what the export at the scan's own threshold writes: the repaired model after an adaptive repair ──
    const kind = await p.locator('#export-kind').getAttribute('data-kind');
    const expectedKind = r.threshold < 0 ? 'unchanged' : r.repair ? 'repaired' : 'prune-only';
    check(kind === expectedKind, `export card at the scan's threshold says ${kind}, expected ${expectedKind}`);
    log(`export card: ${await p.locator('#export-kind').textContent()}`);
    if (r.repair) {
      check((await p.locator('#repair-chart circle.point.acc').count()) === r.repair.epochs.length, 'repair chart: one point per repair epoch');
      log(`repair card: ${await p.locator('#repair-summary').textContent()}`);
    }
    if (r.threshold < 0) {
      // Nothing pruned: the panel offers no export at the scan's choice; export a prune-only model at 0.6 instead.
      check((await p.locator('#export').getAttribute('disabled')) !== null, 'export disabled when the scan pruned nothing');
      await p.locator('#threshold').fill('0.6');
    }

    // ── export through the save dialog ──
    await p.locator('#export').click();
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ timeout: 30_000 });
    // The simple file dialog fills in the folder first, then the proposed name.
    let proposed = '';
    for (const end = Date.now() + 15_000; Date.now() < end && !proposed.endsWith('.onnx'); await page.waitForTimeout(200)) proposed = await input.inputValue();
    log('save dialog proposes', proposed);
    check(proposed.endsWith('model.pruned.onnx'), `default name ${proposed}`);
    await page.keyboard.press('Enter');
    const status = p.locator('#export-status.exported');
    await status.waitFor({ timeout: 5 * 60_000 });
    log('panel:', await status.textContent());
    const exportedPath = (await status.getAttribute('data-path'))!;
    const panelAcc = Number(await status.getAttribute('data-acc'));
    check(fs.existsSync(exportedPath), `exported file ${exportedPath}`);
    const oracleAcc = await ortAccuracy(exportedPath, path.join(WS, 'clean_test.npz'), r);
    const oracleOrig = await ortAccuracy(path.join(WS, 'model.onnx'), path.join(WS, 'clean_test.npz'), r);
    summary.export = { path: exportedPath, panelAcc, onnxruntimeAcc: oracleAcc, originalOnnxruntimeAcc: oracleOrig, scanAfterAcc: r.after.acc };
    log(`exported model: panel ACC ${panelAcc}, onnxruntime ACC ${oracleAcc} (original model ${oracleOrig})`);
    const n = r.data.cleanTest!.count;
    check(Math.abs(panelAcc - oracleAcc) <= 1.5 / n, `panel ACC ${panelAcc} vs onnxruntime ${oracleAcc}`);
    if (r.repair) {
      // At the scan's threshold the file is the scan's repaired model, byte for byte, with the scan's `after` accuracy.
      const exportedSha = createHash('sha256').update(fs.readFileSync(exportedPath)).digest('hex');
      summary.export = { ...(summary.export as object), repaired: exportedSha === r.repair.modelSha256, statusKind: await status.getAttribute('data-kind') };
      check(exportedSha === r.repair.modelSha256, `the export at the scan's threshold is not the repaired model (${exportedSha})`);
      check((await status.getAttribute('data-kind')) === 'repaired', 'the panel says the repaired model was exported');
      check(Math.abs(oracleAcc - (r.after.acc as number)) <= 1.5 / n, `onnxruntime ACC ${oracleAcc} of the repaired model vs the scan's after ${r.after.acc}`);
    }

    // ── inspect a dataset from the explorer: right-click poison_test.npz → model pick → grid → export flagged ──
    await runFromContextMenu(page, 'poison_test.npz', 'Inspect Dataset for Poisoned Samples');
    const pick = page.locator('.quick-input-widget .quick-input-list .monaco-list-row').first();
    await pick.waitFor({ timeout: 30_000 });
    const firstModel = (await pick.textContent()) ?? '';
    check(/^model\.onnx/.test(firstModel.trim()), `the report's model is offered first: "${firstModel}"`);
    await page.keyboard.press('Enter');
    const tiles = p.locator('#sample-grid .tile');
    await tiles.first().waitFor({ timeout: SCAN_TIMEOUT });
    const poisonCount = (await loadDataset(path.join(WS, 'poison_test.npz'), { labelsRequired: false })).count;
    check((await tiles.count()) === Math.min(200, poisonCount), `grid shows ${await tiles.count()} tiles`);
    const tileScores = await tiles.evaluateAll((ts) => ts.map((t) => Number(t.getAttribute('data-score'))));
    check(tileScores.every((v, i) => i === 0 || tileScores[i - 1] >= v), 'tiles in rank order');
    check(await tiles.first().locator('img').evaluate((i) => (i as HTMLImageElement).naturalWidth > 0), 'thumbnail decoded');
    log(`sample grid: ${tileScores.length} tiles, proposed ${await p.locator('#flag-count').inputValue()} to flag`);
    await p.locator('#samples').scrollIntoViewIfNeeded();
    await screenshot(page, 'panel-samples');
    await p.locator('#flag-count').fill('7');
    await p.locator('#export-flagged').click();
    await input.waitFor({ timeout: 30_000 });
    proposed = '';
    for (const end = Date.now() + 15_000; Date.now() < end && !proposed.endsWith('.json'); await page.waitForTimeout(200)) proposed = await input.inputValue();
    log('save dialog proposes', proposed);
    check(proposed.endsWith('poison_test.flagged.json'), `default name ${proposed}`);
    await page.keyboard.press('Enter');
    const flaggedStatus = p.locator('#flagged-status.exported');
    await flaggedStatus.waitFor({ timeout: 60_000 });
    const flaggedPath = (await flaggedStatus.getAttribute('data-path'))!;
    const flagged = JSON.parse(fs.readFileSync(flaggedPath, 'utf8')) as { indices: number[]; inspect: string };
    const firstSeven = await tiles.evaluateAll((ts) => ts.slice(0, 7).map((t) => Number(t.getAttribute('data-index'))));
    check(JSON.stringify(flagged.indices) === JSON.stringify(firstSeven), `flagged ${flagged.indices} vs tiles ${firstSeven}`);
    check(flagged.inspect === path.join(WS, 'poison_test.npz'), `inspect ${flagged.inspect}`);
    summary.samples = { tiles: tileScores.length, flaggedPath, flagged: flagged.indices };
    log(`flagged indices written to ${flaggedPath}: ${flagged.indices.join(', ')}`);
    await p.locator('#verdict-title').scrollIntoViewIfNeeded();

    // ── themes: the whole panel, then every card of the report on its own, in each of VS Code's four theme kinds ──
    const cardIds = await p.locator('main.report > section, main.report > .columns > section').evaluateAll((cs) => cs.map((c) => c.id).filter(Boolean));
    check(['verdict', 'trigger', 'heatmaps', 'threshold-card', 'export-card', 'samples'].every((id) => cardIds.includes(id)), `cards ${cardIds}`);
    for (const [theme, tag] of [['Light Modern', 'light'], ['Dark High Contrast', 'high-contrast'], ['Light High Contrast', 'light-high-contrast'], ['Dark Modern', 'dark']] as const) {
      await setTheme(page, theme);
      await p.locator('#verdict-title').scrollIntoViewIfNeeded();
      await screenshot(page, `panel-${tag}`);
      for (const id of cardIds) {
        const card = p.locator(`#${id}`);
        await card.scrollIntoViewIfNeeded();
        const file = path.join(ART, `card-${tag}-${id}.png`);
        await card.screenshot({ path: file });
        shots.push(path.resolve(file));
      }
    }
    log(`card screenshots: ${cardIds.length} cards × 4 themes`);
    // ── a narrow panel: the window at 760 px leaves the panel beside the editor about a third of it ──
    const wide = page.viewportSize();
    await page.setViewportSize({ width: 760, height: wide?.height ?? 900 });
    await page.waitForTimeout(800);
    const over = await p.locator('section.card').evaluateAll((cs) => cs.filter((c) => c.getBoundingClientRect().right > document.documentElement.clientWidth + 1).map((c) => c.id));
    check(over.length === 0, `cards wider than the narrow panel: ${over}`);
    await screenshot(page, 'panel-narrow');
    if (wide) await page.setViewportSize(wide);

    // ── cancel a scan from its notification: the worker must be gone and nothing written ──
    const before = listTree(WS);
    await runFromContextMenu(page, 'model.onnx', 'Scan for Backdoors');
    const t = Date.now();
    while (workerPids().length === 0) {
      check(Date.now() - t < 60_000, 'worker started');
      await page.waitForTimeout(100);
    }
    const pids = workerPids();
    await page.waitForTimeout(3000);
    // The report stays under the re-scan, dimmed and marked out of date, with a Cancel of its own.
    check((await p.locator('#job-banner:not([hidden]) #job-cancel').count()) === 1, 'the re-scan banner with Cancel is shown over the report');
    check((await p.locator('main.report.stale #verdict-title').count()) === 1, 'the report under a re-scan is dimmed, not removed');
    await screenshot(page, 'rescan-stale');
    const toast = page.locator('.notification-toast', { hasText: 'Scanning model.onnx' });
    await toast.waitFor({ timeout: 10_000 });
    await toast.hover();
    await screenshot(page, 'scan-notification');
    const cancelButton = toast.locator('.monaco-button', { hasText: 'Cancel' });
    await cancelButton.waitFor({ timeout: 10_000 });
    await cancelButton.click();
    // Timed from the click being dispatched (playwright's actionability checks are not the extension's time).
    const tc = Date.now();
    while (workerPids().length > 0 && Date.now() - tc < 10_000) await new Promise((res) => setTimeout(res, 20));
    const goneMs = Date.now() - tc;
    await page.waitForTimeout(500);
    const hostCancelMs = JSON.parse(fs.readFileSync(path.join(RUN, 'diagnostics.json'), 'utf8')).lastCancelMs;
    summary.cancel = { pids, goneAfterMs: goneMs, hostCancelToExitMs: hostCancelMs, left: workerPids() };
    log(`cancel: worker ${pids.join(',')} gone from ps ${goneMs} ms after clicking Cancel (${hostCancelMs} ms from the cancel reaching the extension host to the worker's exit)`);
    check(workerPids().length === 0, 'no worker process left after cancel');
    await page.waitForTimeout(500);
    const after = listTree(WS);
    check(JSON.stringify(after) === JSON.stringify(before), `cancel left files: ${after.filter((x) => !before.includes(x)).join(', ')}`);
    // The panel still shows the last report (a cancelled scan does not wipe it) and the extension still answers.
    check((await p.locator('#verdict-title').count()) === 1, 'report still shown after cancel');
    check(await p.locator('#job-banner').isHidden(), 'the re-scan banner is gone after cancel');

    // ── after a window reload the serializer restores the panel from the saved scan.json ──
    await page.reload({ waitUntil: 'domcontentloaded' });
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await panel(page).locator('#verdict-title').waitFor({ timeout: 90_000 });
    check((await panel(page).locator('.heatmap-row').count()) === r.layers.length, 'restored panel has its heatmaps');
    log('panel restored after reload:', await panel(page).locator('#verdict-title').textContent());

    // ── the editor title offers the scan for an open .onnx ──
    const editorRow = page.locator('.explorer-folders-view .monaco-list-row').filter({ has: page.locator('.monaco-icon-label.file-icon .label-name', { hasText: /^model\.onnx$/ }) }).first();
    await editorRow.click();
    const titleAction = page.locator('.editor-group-container.active .editor-actions .action-label[aria-label*="Scan for Backdoors"]');
    await titleAction.first().waitFor({ timeout: 30_000 });
    log('editor title action present for model.onnx');

    // ── the command is offered only for .onnx ──
    // (readme.txt, and the report folder .rnp-scan/model.onnx whose name ends in .onnx too)
    for (const [what, icon] of [['readme.txt', 'file-icon'], ['.rnp-scan', 'folder-icon']]) {
      const other = page.locator('.explorer-folders-view .monaco-list-row').filter({ has: page.locator(`.monaco-icon-label.${icon}`, { hasText: what }) }).first();
      await other.click({ button: 'right' });
      await page.locator('.monaco-menu').first().waitFor({ timeout: 5000 });
      await page.waitForTimeout(300);
      const offered = (await page.locator('.monaco-menu .action-item', { hasText: 'Scan for Backdoors' }).count()) > 0;
      await page.keyboard.press('Escape');
      check(!offered, `Scan for Backdoors offered on ${what}`);
      log(`context menu on ${what} offers the scan: ${offered}`);
    }

    // ── Scan Folder for Backdoors: right-click a folder of demo copies → Problems panel (screenshot) → summary table ──
    const zoo = path.join(WS, 'zoo');
    fs.mkdirSync(zoo, { recursive: true });
    for (const name of ['a.onnx', 'b.onnx']) fs.copyFileSync(path.join(WS, 'model.onnx'), path.join(zoo, name));
    // Short settings for this step (the file watcher reloads them): paper mode, two epochs each.
    const settingsFile = path.join(WS, '.vscode', 'settings.json');
    const settings = JSON.parse(fs.readFileSync(settingsFile, 'utf8'));
    fs.writeFileSync(settingsFile, JSON.stringify({ ...settings, 'rnp.mode': 'paper', 'rnp.unlearn.epochs': 2, 'rnp.recover.epochs': 2 }, null, 2));
    await page.waitForTimeout(2000);
    await runFromContextMenu(page, 'zoo', 'Scan Folder for Backdoors', 'folder-icon');
    log('clicked "Scan Folder for Backdoors" on zoo/');
    const tw = Date.now();
    while (workerPids().length === 0 && !fs.existsSync(path.join(zoo, '.rnp-scan', 'batch', 'results.jsonl'))) {
      if (Date.now() - tw > 60_000) {
        await page.screenshot({ path: path.join(ART, 'batch-no-start.png') });
        check(false, 'the folder scan started a worker');
      }
      await page.waitForTimeout(100);
    }
    log('the folder scan runs');
    // The summary table opens when the batch is done: find its frame among the webviews.
    const tableFrame = async () => {
      for (const f of page.frames()) if ((await f.locator('#models tr.row').count().catch(() => 0)) === 2) return f;
      return null;
    };
    let frame = null;
    for (const end = Date.now() + SCAN_TIMEOUT; !(frame = await tableFrame()); await page.waitForTimeout(500)) check(Date.now() < end, 'batch summary table');
    const tableRows = await frame.locator('#models tr.row').evaluateAll((rs) => rs.map((r) => `${r.getAttribute('data-model')}:${r.getAttribute('data-verdict')}`));
    check(JSON.stringify(tableRows) === JSON.stringify(['a.onnx:backdoored', 'b.onnx:backdoored']), `summary table ${tableRows}`);
    log(`summary table: ${tableRows.join(', ')}`);
    await page.screenshot({ path: path.join(ART, 'batch-table.png') });
    shots.push(path.resolve(ART, 'batch-table.png'));
    // The Problems panel, as a user opens it (View: Problems), with one error per model.
    await page.keyboard.press('Escape');
    await page.keyboard.press('F1');
    await input.waitFor({ timeout: 10_000 });
    await input.fill('>View: Focus Problems');
    await page.locator('.quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: /Focus Problems/ }) }).first().click({ timeout: 10_000 });
    const markers = page.locator('.markers-panel .monaco-list-row', { hasText: 'Backdoor found: target label 0' });
    for (const end = Date.now() + 30_000; (await markers.count()) < 2; await page.waitForTimeout(300)) check(Date.now() < end, 'two findings in the Problems panel');
    summary.problems = await markers.allTextContents();
    // model.onnx's own finding (a single scan, its label named from labels.txt) is there too: restored from its kept
    // report after the window reload above emptied the Problems panel.
    check((summary.problems as string[]).some((t) => t.includes('target label 0 (T-shirt/top)')), `the single scan's finding after the reload: ${summary.problems}`);
    log(`Problems panel: ${(summary.problems as string[]).length} findings`);
    await page.waitForTimeout(800);
    await page.screenshot({ path: path.join(ART, 'problems-panel.png') });
    shots.push(path.resolve(ART, 'problems-panel.png'));
    // "Open report" on a row opens that model's scan.json in the report panel.
    await frame.locator('button.open').first().click();
    const wantReport = path.join(zoo, '.rnp-scan', 'batch', 'a.onnx', 'scan.json');
    const shownReport = () => JSON.parse(fs.readFileSync(path.join(RUN, 'diagnostics.json'), 'utf8')).panelResultPath;
    for (const end = Date.now() + 30_000; shownReport() !== wantReport; await page.waitForTimeout(300)) check(Date.now() < end, `Open report shows ${wantReport} (panel: ${shownReport()})`);
    log(`"Open report" on a.onnx: the report panel shows ${wantReport}`);
    // ── the model editor: a click on model.onnx opens it (what the model is, its newest verdict) ──
    await editorRow.click();
    let editorFrame: FrameLocator | null = null;
    for (const end = Date.now() + 60_000; !editorFrame; await page.waitForTimeout(500)) {
      check(Date.now() < end, 'the model editor opens');
      const frames = await page.locator('iframe.webview.ready').count();
      for (let i = 0; i < frames && !editorFrame; i++) {
        const inner = page.frameLocator('iframe.webview.ready').nth(i).frameLocator('#active-frame');
        if ((await inner.locator('#model-verdict, #model-verdict-none').count().catch(() => 0)) > 0) editorFrame = inner;
      }
    }
    await editorFrame.locator('#model-mask').waitFor({ timeout: 60_000 });
    const maskLine = (await editorFrame.locator('#model-mask').textContent()) ?? '';
    check(maskLine === `RNP masks ${r.totalChannels} channels in ${r.layers.length} BatchNorm layers.`, `model editor: ${maskLine}`);
    const editorVerdict = (await editorFrame.locator('#model-verdict').getAttribute('data-verdict')) ?? '';
    check(editorVerdict === r.verdict, `model editor verdict ${editorVerdict} vs ${r.verdict}`);
    await page.waitForTimeout(500);
    await page.screenshot({ path: path.join(ART, 'model-editor.png') });
    shots.push(path.resolve(ART, 'model-editor.png'));
    log(`model editor: ${maskLine} newest verdict ${editorVerdict}`);
    fs.writeFileSync(settingsFile, JSON.stringify(settings, null, 2));
    ok = true;
  } catch (e) {
    summary.error = String((e as Error)?.stack ?? e);
    await page.screenshot({ path: path.join(ART, 'failure.png') }).catch(() => undefined);
    shots.push(path.resolve(ART, 'failure.png'));
  } finally {
    console.log(JSON.stringify(summary, null, 2));
    console.log('screenshots:\n  ' + shots.join('\n  '));
    console.log(ok ? 'E2E PASS' : 'E2E FAIL');
    await browser.close();
    process.exit(ok ? 0 : 1);
  }
}

void main();
