/**
 * What every training pass (unlearn, recover, trigger search) gets from the scan: cancellation, progress and the
 * seeded random stream. Passes yield to the event loop between batches so a cancel message can arrive.
 * Part of engine/train/, the training toolkit that rnp/ (unlearn, recover, repair) and evidence/ (trigger search,
 * sample scores) both use: kept apart so that evidence/ imports nothing from rnp/ (rnp/ → evidence/ is the one way).
 */
import { CancelledError } from '../errors';
import type { EpochStat } from '../result';
import type { Rng } from './random';

export interface PassContext {
  rng: Rng;
  signal?: AbortSignal;
  /** Called after every epoch with that epoch's statistics and the planned number of epochs. */
  onEpoch?: (stat: EpochStat, plannedEpochs: number) => void;
}

/** Throws CancelledError if aborted; otherwise lets pending I/O (e.g. a cancel message) run. */
export async function checkpoint(signal?: AbortSignal): Promise<void> {
  await new Promise<void>((r) => setImmediate(r));
  if (signal?.aborted) throw new CancelledError();
}
