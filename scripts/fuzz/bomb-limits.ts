/**
 * The caps the structure-aware bomb cases run under: the engine's own limits mechanism (Limits, DataLimits)
 * turned down, so a file of a few hundred kilobytes crosses them exactly as a 60 MB one crosses the defaults,
 * and every case ends in well under a second.
 */
import type { Limits } from '../../src/engine/limits';
import type { DataLimits } from '../../src/engine/data/limits';

export const FUZZ_MODEL_LIMITS: Limits = {
  maxFileBytes: 4 * 1024 * 1024,
  maxParameters: 50_000,
  maxTensorElements: 100_000,
  maxIntElements: 10_000,
  // 64 fields per node: a 64 000-field budget.
  maxNodes: 1000,
};

export const FUZZ_DATA_LIMITS: DataLimits = {
  maxBytes: 2_000_000,
  maxDatasetBytes: 1_000_000,
  maxImageFileBytes: 64 * 1024,
  maxZipEntries: 50,
  maxFiles: 200,
  maxImageMegapixels: 1,
  maxImageDecodeMB: 64,
};

/** The field budget the pre-scan derives from maxNodes (prescan.ts: 64 per node). */
export const FUZZ_MAX_FIELDS = FUZZ_MODEL_LIMITS.maxNodes * 64;
