/**
 * `rnp-scan batch PATH... --data DEFENSE --out DIR [--shard I/N] [--sarif FILE] [--fail-on …] [scan options]`: the
 * command-line shell of engine/batch.ts. Progress on stderr (one redrawn line on a TTY, a plain line per model
 * otherwise), a table of this run's models on stdout, the SARIF file if asked, and the exit code of
 * cli/exit-codes.ts. Details: docs/batch.md.
 */
import { runBatch, loadFinding, type BatchEntry, type BatchEvent, type BatchOutput, type BatchRequest } from '../engine/batch';
import type { FailOn } from '../engine/options';
import type { Progress } from '../engine/jobs';
import { writeSarif, type SarifError, type SarifModel } from '../engine/sarif';
import { batchExitCode } from './exit-codes';

export function formatDuration(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return '?';
  const t = Math.round(s);
  if (t < 60) return `${t}s`;
  if (t < 3600) return `${Math.floor(t / 60)}m${String(t % 60).padStart(2, '0')}s`;
  return `${Math.floor(t / 3600)}h${String(Math.floor((t % 3600) / 60)).padStart(2, '0')}m`;
}

function outcome(e: BatchEntry): string {
  const r = e.row;
  if (r.status === 'error') return `error: ${r.error}`;
  return `${r.verdict}${r.detectedLabel !== null ? ` (label ${r.detectedLabel})` : ''}`;
}

/** The stderr reporter: batch events and the current scan's phase. */
export function batchProgressPrinter(stream: NodeJS.WriteStream = process.stderr): { onEvent: (e: BatchEvent) => void; onProgress: (p: Progress) => void; end: () => void } {
  const tty = !!stream.isTTY;
  let head = '';
  let status = { done: 0, total: 0, eta: null as number | null };
  const redraw = (tail: string) => tty && stream.write(`\r\x1b[2K[${status.done}/${status.total}] ETA ${formatDuration(status.eta)}  ${head}${tail ? `  ${tail}` : ''}`.slice(0, (stream.columns || 120) - 1));
  return {
    onEvent: (e) => {
      if (e.kind === 'start') {
        status = { done: 0, total: e.total, eta: null };
        stream.write(`rnp-scan batch: ${e.total} model${e.total === 1 ? '' : 's'}${e.total !== e.discovered ? ` (this shard's share of ${e.discovered})` : ''} under ${e.root}; ${e.skipped} already done; results in ${e.resultsPath}\n`);
      } else if (e.kind === 'model-start') {
        head = e.model.rel;
        redraw('loading');
      } else {
        status = { done: e.done, total: e.total, eta: e.etaSeconds };
        const line = `[${e.done}/${e.total}] ${e.entry.model.rel}: ${e.entry.skipped ? `already done (${outcome(e.entry)})` : `${outcome(e.entry)} in ${e.entry.row.seconds.toFixed(1)} s`}${e.etaSeconds !== null ? `; ETA ${formatDuration(e.etaSeconds)}` : ''}`;
        if (tty) stream.write(`\r\x1b[2K${line}\n`);
        else stream.write(`${line}\n`);
      }
    },
    onProgress: (p) => redraw(`${p.phase}${p.total > 0 ? ` ${p.step}/${p.total}` : ''}`),
    end: () => {
      if (tty) stream.write('\r\x1b[2K');
    },
  };
}

/** The table printed on stdout at the end. */
export function formatBatchSummary(out: BatchOutput, sarif?: string): string {
  const w = Math.min(60, Math.max(5, ...out.entries.map((e) => e.model.rel.length)));
  const lines = [`${'model'.padEnd(w)}  ${'verdict'.padEnd(12)}  label  seconds  status`];
  for (const e of out.entries) {
    const r = e.row;
    const rel = e.model.rel.length > w ? '…' + e.model.rel.slice(-(w - 1)) : e.model.rel;
    lines.push(`${rel.padEnd(w)}  ${(r.verdict ?? '-').padEnd(12)}  ${String(r.detectedLabel ?? '-').padStart(5)}  ${r.seconds.toFixed(1).padStart(7)}  ${r.status}${e.skipped ? ' (earlier run)' : ''}${r.status === 'error' ? `: ${r.error}` : ''}`);
  }
  const count = (f: (e: BatchEntry) => boolean) => out.entries.filter(f).length;
  lines.push(
    `${out.entries.length} models: ${count((e) => e.row.verdict === 'backdoored')} backdoored, ${count((e) => e.row.verdict === 'inconclusive')} inconclusive, ${count((e) => e.row.verdict === 'clean')} clean, ${count((e) => e.row.status === 'error')} errors; ${count((e) => e.skipped)} reused from an earlier run; ${out.seconds.toFixed(1)} s`,
    `results: ${out.resultsPath}`,
  );
  if (out.ignoredLines) lines.push(`note: ${out.ignoredLines} line(s) of results.jsonl did not parse (a torn write) and were ignored`);
  if (sarif) lines.push(`sarif:   ${sarif}`);
  return lines.join('\n');
}

/** The SARIF run of a batch: every done model's finding, every error row as a notification. */
export async function batchSarifRun(out: BatchOutput): Promise<{ models: SarifModel[]; errors: SarifError[] }> {
  const models: SarifModel[] = [];
  const errors: SarifError[] = [];
  for (const e of out.entries) {
    if (e.row.status === 'error') {
      errors.push({ path: e.model.path, message: e.row.error ?? 'error', code: e.row.code ?? 'INTERNAL' });
      continue;
    }
    if (e.row.verdict === 'clean') continue;
    const finding = await loadFinding(e);
    if (finding) models.push({ path: e.model.path, sha256: e.row.sha256, finding, report: e.resultPath });
    else errors.push({ path: e.model.path, message: `${e.resultPath}: the report of an earlier run is unreadable; scan again`, code: 'IO' });
  }
  return { models, errors };
}

export async function runBatchCli(req: BatchRequest, o: { failOn: FailOn; sarif?: string; signal: AbortSignal; argv: string[] }): Promise<number> {
  const started = new Date();
  const progress = batchProgressPrinter();
  let out: BatchOutput;
  try {
    out = await runBatch(req, { signal: o.signal, onEvent: progress.onEvent, onProgress: progress.onProgress });
  } finally {
    progress.end();
  }
  if (o.sarif) {
    const run = await batchSarifRun(out);
    await writeSarif(o.sarif, { ...run, commandLine: ['rnp-scan', ...o.argv].join(' '), startTime: started, endTime: new Date() });
  }
  process.stdout.write(formatBatchSummary(out, o.sarif) + '\n');
  return batchExitCode(out.entries.map((e) => e.row), o.failOn);
}
