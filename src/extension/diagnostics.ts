/**
 * Measures the extension host's event-loop delay while a scan runs (the scan must not block VS Code: all the work
 * is in the worker). Read through the hidden command `rnp._diagnostics` by the tests.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

export interface LoopDelayStats {
  /** Milliseconds. */
  mean: number;
  p50: number;
  p99: number;
  max: number;
  /** How long the measurement ran, in seconds. */
  seconds: number;
}

export class LoopDelayMonitor {
  private h: IntervalHistogram | null = null;
  private started = 0;
  last: LoopDelayStats | null = null;

  start(): void {
    this.h?.disable();
    this.h = monitorEventLoopDelay({ resolution: 10 });
    this.h.enable();
    this.started = Date.now();
  }

  stop(): LoopDelayStats | null {
    const h = this.h;
    if (!h) return this.last;
    h.disable();
    this.h = null;
    const ms = (ns: number) => Math.round((ns / 1e6) * 100) / 100;
    this.last = { mean: ms(h.mean), p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max), seconds: (Date.now() - this.started) / 1000 };
    return this.last;
  }
}
