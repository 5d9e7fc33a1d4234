/**
 * Progress on stderr: a redrawn one-line bar on a TTY, plain lines otherwise (CI logs, pipes).
 */
import type { Progress } from '../protocol';
import { etaText, overallText, progressLine, stepText } from '../report/progress-text';

export function progressPrinter(stream: NodeJS.WriteStream = process.stderr): (p: Progress) => void {
  if (!stream.isTTY) return (p) => stream.write(`[${p.phase}${p.overall ? ` ${overallText(p)}` : ''}] ${stepText(p)}${etaText(p) ? ` · ${etaText(p)}` : ''}\n`);
  let lastPhase = '';
  return (p) => {
    // The bar is the whole scan's share when the job has one (a scan), else the phase's own step count.
    const width = 24;
    const frac = p.overall ? p.overall.fraction : p.total > 0 ? Math.min(1, p.step / p.total) : 0;
    const bar = p.overall || p.total > 0 ? `[${'#'.repeat(Math.round(frac * width)).padEnd(width, '.')}] ` : '';
    if (lastPhase && lastPhase !== p.phase) stream.write('\n');
    lastPhase = p.phase;
    stream.write(`\r\x1b[2K${p.phase.padEnd(8)} ${bar}${progressLine(p)}`);
  };
}
