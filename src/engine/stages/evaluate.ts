/**
 * Stages `evaluate-before` and `evaluate-after`: ACC / ASR of the original model and of the model the scan exports,
 * on the test sets the user gave (null where none). `evaluate-after` leaves the program on the original weights,
 * which is what the write stage and any later export expect.
 */
import type { Metrics } from '../result';
import { accuracy } from '../rnp/evaluate';
import type { ScanContext, Stage } from './context';

export async function metricsOf(ctx: ScanContext): Promise<Metrics> {
  return { acc: await accuracy(ctx.program, ctx.cleanTest), asr: await accuracy(ctx.program, ctx.poisonTest) };
}

export const evaluateBefore: Stage = {
  name: 'evaluate-before',
  phase: 'evaluate',
  run: async (ctx) => ({ before: await metricsOf(ctx) }),
};

/** Enters with the exported model (pruned, or repaired) on the program. */
export const evaluateAfter: Stage = {
  name: 'evaluate-after',
  phase: 'evaluate',
  run: async (ctx) => {
    const after = await metricsOf(ctx);
    ctx.program.assign(ctx.graph.initializers);
    return { after };
  },
};
