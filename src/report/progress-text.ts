/**
 * A progress report as one line for people. Shared (src/report/): the CLI's bar, VS Code's notification and the
 * panel's status line print the same words. The message already names the step ("recovering epoch 6"), so the
 * phase is not repeated, and the clean accuracy is added only when the message does not state it already.
 */
import type { Progress } from '../engine/jobs';

/** "2 min 10 s", "45 s": a duration as people say it. */
export function durationText(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/** "37 %" of the whole scan, or '' for a job without an overall share. */
export function overallText(p: Progress): string {
  return p.overall ? `${Math.floor(p.overall.fraction * 100)} %` : '';
}

/** "about 2 min 10 s left", or '' before there is an estimate. */
export function etaText(p: Progress): string {
  const eta = p.overall?.etaSeconds;
  return typeof eta === 'number' ? `about ${durationText(eta)} left` : '';
}

/** The step and the message: "recovering epoch 6 (6/20) · clean accuracy 78.8 %". */
export function stepText(p: Progress): string {
  const step = p.total > 0 && !p.message.includes(`${p.step}/${p.total}`) ? ` (${p.step}/${p.total})` : '';
  const acc = typeof p.acc === 'number' && !/\bacc/i.test(p.message) ? ` · clean accuracy ${(p.acc * 100).toFixed(1)} %` : '';
  return `${p.message}${step}${acc}`;
}

/** The whole line: "37 % · recovering epoch 6 (6/20) · about 2 min 10 s left". */
export function progressLine(p: Progress): string {
  return [overallText(p), stepText(p), etaText(p)].filter(Boolean).join(' · ');
}
