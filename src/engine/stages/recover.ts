/**
 * Stage `recover`: RNP step 2 (rnp/recover.ts), one mask per channel learned on the unlearned model with the same
 * random stream. Masks only train, so the program keeps the unlearned weights.
 */
import { recover } from '../rnp/recover';
import { resumeRng, rngState } from '../train/random';
import type { EpochStat } from '../result';
import { need, type Stage } from './context';
import { plannedStage } from '../plan';

interface Saved {
  masks: Float32Array[];
  history: EpochStat[];
  rng: number;
}

export const recoverStage: Stage = {
  name: 'recover',
  phase: 'recover',
  run: async (ctx) => {
    const o = ctx.o;
    const rng = need(ctx, 'rng');
    const rec = await recover(
      ctx.program,
      need(ctx, 'trainSet'),
      { lr: o.recoverLr, momentum: o.recoverMomentum, alpha: o.alpha, batchSize: o.batchSize, epochs: o.recoverEpochs },
      { rng, signal: ctx.hooks.signal, onEpoch: (s, n) => ctx.report('recover', s.epoch, n, `recovering epoch ${s.epoch}: clean acc ${(s.acc * 100).toFixed(1)}%`, s.acc) },
    );
    return { masks: rec.masks, recoverHistory: rec.history, rng };
  },
  cache: {
    inputs: (ctx) => ({ settings: plannedStage(ctx.plan, 'recover').settings, batchSize: ctx.o.batchSize }),
    save: (part): Saved => ({ masks: part.masks!, history: part.recoverHistory!, rng: rngState(part.rng!) }),
    load: (saved) => {
      const s = saved as Saved;
      return { masks: s.masks, recoverHistory: s.history, rng: resumeRng(s.rng) };
    },
  },
};
