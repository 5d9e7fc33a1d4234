/**
 * `rnp-scan`: the engine from a command line, for scripts and CI. Contract (README "Command line"):
 * exit 0, or 3 for a finding at or above --fail-on (cli/exit-codes.ts); exit 2 with one line on stderr naming the file and the problem for bad input;
 * `--json` prints exactly one JSON object on stdout; progress goes to stderr. Subcommands: `plan` (what a scan would
 * run, without running it), `check` (does the defense data fit the model: engine/data-check.ts), `samples` (rank a
 * dataset's samples), `options` (the options table).
 * `batch` (every model under folders: cli/batch.ts).
 */
import * as path from 'node:path';
import { parseCli, USAGE } from './cli/args';
import { progressPrinter } from './cli/progress';
import { formatPlan, formatSummary } from './cli/summary';
import { planOnly, runScan } from './engine/scan';
import { InputError } from './engine/errors';
import { EXIT, scanExitCode } from './cli/exit-codes';

async function main(argv: string[]): Promise<number> {
  let cmd;
  try {
    cmd = parseCli(argv);
  } catch (e) {
    if (e instanceof InputError) {
      process.stderr.write(`rnp-scan: ${e.describe()}\n${USAGE.split('\n')[0]}\n`);
      return 2;
    }
    throw e;
  }
  if (cmd.kind === 'help') {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  if (cmd.kind === 'options') {
    const { optionsJson, optionsText } = await import('./cli/options-table');
    process.stdout.write((cmd.json ? JSON.stringify(optionsJson()) : optionsText()) + '\n');
    return 0;
  }
  const controller = new AbortController();
  process.once('SIGINT', () => {
    controller.abort();
    // The scan stops at its next checkpoint; work that does not yield must not keep a Ctrl-C waiting past a second
    // (unref'd: it never holds a finished process open). A second Ctrl-C gets the default action (the once-listener
    // is gone), which ends the process even while the event loop is busy.
    setTimeout(() => {
      process.stderr.write('rnp-scan: cancelled\n');
      process.exit(130);
    }, 1000).unref();
  });
  try {
    if (cmd.kind === 'samples') {
      const { runSamples } = await import('./engine/samples');
      const out = await runSamples(cmd.request, cmd.inspect!, { onProgress: progressPrinter(), signal: controller.signal });
      process.stdout.write(cmd.json ? JSON.stringify(out) + '\n' : out.samples.slice(0, 20).map((s) => `${s.index}\t${s.score.toFixed(4)}`).join('\n') + '\n');
      return 0;
    }
    if (cmd.kind === 'batch') {
      const { runBatchCli } = await import('./cli/batch');
      return await runBatchCli(cmd.batch!, { failOn: cmd.failOn, sarif: cmd.sarif, signal: controller.signal, argv });
    }
    if (cmd.kind === 'check') {
      const { checkDefenseData, dataCheckText } = await import('./engine/data-check');
      const { model, data, options, labels } = cmd.request;
      const c = await checkDefenseData({ model, data, options, labels });
      process.stdout.write((cmd.json ? JSON.stringify(c) : dataCheckText(c)) + '\n');
      // A warning means the scan would be weak or meaningless: a CI step gating on the data stops here.
      return c.findings.some((f) => f.level === 'warning') ? EXIT.finding : EXIT.ok;
    }
    if (cmd.kind === 'plan') {
      const plan = await planOnly(cmd.request);
      process.stdout.write((cmd.json ? JSON.stringify(plan) : formatPlan(plan)) + '\n');
      return 0;
    }
    const { result, resultPath } = await runScan(cmd.request, { onProgress: progressPrinter(), signal: controller.signal });
    if (process.stderr.isTTY) process.stderr.write('\n');
    if (cmd.sarif) {
      const { writeSarif } = await import('./engine/sarif');
      const { findingOf } = await import('./engine/batch');
      await writeSarif(cmd.sarif, { models: [{ path: result.model, sha256: result.modelSha256, finding: findingOf(result), report: resultPath }], commandLine: ['rnp-scan', ...argv].join(' ') });
    }
    // The human-readable reports beside scan.json: Markdown always (small, for a pull request), HTML when asked.
    const { reportFormatOf, writeReport } = await import('./report-files');
    const assets = { root: path.resolve(__dirname, '..') };
    const outDir = path.dirname(resultPath);
    const reports = [path.join(outDir, 'report.md'), ...(cmd.html ? [path.join(outDir, 'report.html')] : [])];
    for (const file of reports) await writeReport(file, reportFormatOf(file)!, result, assets);
    process.stdout.write(cmd.json ? JSON.stringify(result) + '\n' : `${formatSummary(result, resultPath)}\nreport:         ${reports.join(', ')}\n`);
    // 3: a finding at or above --fail-on (cli/exit-codes.ts); `npm run demo` passes --fail-on never.
    return scanExitCode(result.verdict, cmd.failOn);
  } catch (e) {
    if (process.stderr.isTTY) process.stderr.write('\n');
    if (e instanceof InputError) {
      process.stderr.write(`rnp-scan: ${e.describe()}\n`);
      return EXIT.input;
    }
    if ((e as { code?: string }).code === 'CANCELLED') {
      process.stderr.write('rnp-scan: cancelled\n');
      return 130;
    }
    process.stderr.write(`rnp-scan: internal error: ${(e as Error).stack ?? e}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then((code) => process.exit(code));
