/**
 * Measures the extension host's event-loop delay while a scan runs (the scan must not block VS Code: all the work
 * is in the worker). Read through the hidden command `rnp._diagnostics` by the tests.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

export interface LoopDelayStats {
  /** Sampling interval of the histogram: every value includes it (an idle loop reads ≈ this much). */
  resolutionMs: number;
  /** Milliseconds. */
  mean: number;
  p50: number;
  p99: number;
  max: number;
  /** How long the measurement ran, in seconds. */
  seconds: number;
  /** Loop stalls over 100 ms: when (seconds after start) and how long (ms), to tell where a large max came from. */
  stalls: { at: number; ms: number }[];
}

const RESOLUTION_MS = 10;
const STALL_MS = 100;
const TICK_MS = 20;

export class LoopDelayMonitor {
  private h: IntervalHistogram | null = null;
  private started = 0;
  private ticker: NodeJS.Timeout | undefined;
  private stalls: { at: number; ms: number }[] = [];
  last: LoopDelayStats | null = null;

  start(): void {
    this.h?.disable();
    clearInterval(this.ticker);
    this.h = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    this.h.enable();
    this.started = Date.now();
    this.stalls = [];
    let expected = Date.now() + TICK_MS;
    this.ticker = setInterval(() => {
      const now = Date.now();
      const late = now - expected;
      if (late > STALL_MS && this.stalls.length < 50) this.stalls.push({ at: (now - this.started) / 1000, ms: late });
      expected = now + TICK_MS;
    }, TICK_MS);
  }

  stop(): LoopDelayStats | null {
    const h = this.h;
    if (!h) return this.last;
    h.disable();
    clearInterval(this.ticker);
    this.h = null;
    const ms = (ns: number) => Math.round((ns / 1e6) * 100) / 100;
    this.last = { resolutionMs: RESOLUTION_MS, mean: ms(h.mean), p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max), seconds: (Date.now() - this.started) / 1000, stalls: this.stalls };
    return this.last;
  }
}
