/**
 * Stage `unlearn`: RNP step 1 (rnp/unlearn-for-scan.ts: the paper's loop, or the adaptive one with a hold-out set
 * aside), then the unlearned model's predictions over the defense data — Algorithm 1's label evidence, BatchNorm on
 * batch statistics as it was driven (its running statistics lag behind; on the SIG and Blend fixtures they hide the
 * target, batch statistics show it). Leaves the unlearned weights on the program.
 */
import { unlearnForScan, splitForScan } from '../rnp/unlearn-for-scan';
import { histogram, predict } from '../rnp/evaluate';
import { resumeRng, rngState } from '../train/random';
import type { EpochStat } from '../result';
import type { Stage } from './context';
import { plannedStage } from '../plan';
import { readProgramState, writeProgramState } from './program-state';

interface Saved {
  weights: [string, Float32Array][];
  rng: number;
  history: EpochStat[];
  labelHistogram: number[];
  note: string | null;
}

export const unlearnStage: Stage = {
  name: 'unlearn',
  phase: 'unlearn',
  run: async (ctx) => {
    const u = await unlearnForScan(ctx.program, ctx.defense, ctx.o, { signal: ctx.hooks.signal, onProgress: ctx.hooks.onProgress });
    if (u.note) ctx.notes.push(u.note);
    const labelHistogram = histogram(await predict(ctx.program, ctx.defense, ctx.o.batchSize, true), ctx.program.numClasses);
    return { rng: u.rng, trainSet: u.trainSet, holdout: u.holdout, unlearnHistory: u.history, labelHistogram, unlearnNote: u.note };
  },
  cache: {
    // The planned settings decide the result, with the seed and the split (and the loop: mode).
    inputs: (ctx) => ({ mode: ctx.o.mode, seed: ctx.o.seed, holdout: ctx.plan.holdout, settings: plannedStage(ctx.plan, 'unlearn').settings }),
    save: async (part, ctx): Promise<Saved> => ({
      weights: [...(await readProgramState(ctx.program))],
      rng: rngState(part.rng!),
      history: part.unlearnHistory!,
      labelHistogram: part.labelHistogram!,
      note: part.unlearnNote ?? null,
    }),
    load: (saved, ctx) => {
      const s = saved as Saved;
      writeProgramState(ctx.program, new Map(s.weights));
      if (s.note) ctx.notes.push(s.note);
      // The split is a pure function of the seed: recomputed, then the stream resumes where unlearning left it.
      const split = splitForScan(ctx.defense, ctx.o);
      return { rng: resumeRng(s.rng), trainSet: split.trainSet, holdout: split.holdout, unlearnHistory: s.history, labelHistogram: s.labelHistogram, unlearnNote: s.note };
    },
  },
};
