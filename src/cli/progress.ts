/**
 * Progress on stderr: a redrawn one-line bar on a TTY, plain lines otherwise (CI logs, pipes).
 */
import type { Progress } from '../protocol';

export function progressPrinter(stream: NodeJS.WriteStream = process.stderr): (p: Progress) => void {
  if (!stream.isTTY) return (p) => stream.write(`[${p.phase}] ${p.message}\n`);
  let lastPhase = '';
  return (p) => {
    const width = 24;
    const frac = p.total > 0 ? Math.min(1, p.step / p.total) : 0;
    const bar = p.total > 0 ? `[${'#'.repeat(Math.round(frac * width)).padEnd(width, '.')}] ` : '';
    if (lastPhase && lastPhase !== p.phase) stream.write('\n');
    lastPhase = p.phase;
    stream.write(`\r\x1b[2K${p.phase.padEnd(8)} ${bar}${p.message}`);
  };
}
