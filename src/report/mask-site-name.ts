/**
 * Where a scan's masks sat, in words, for the panel, the model editor and the Markdown report (one wording for all).
 */
import type { MaskSiteKind } from '../engine/result';

/** The normalisation (or conv) layers carrying the masks: "BatchNorm", "LayerNorm", "GroupNorm", "conv output". */
export function maskLayerName(kind: MaskSiteKind): string {
  return kind === 'batchnorm' ? 'BatchNorm' : kind === 'layernorm' ? 'LayerNorm' : kind === 'groupnorm' ? 'GroupNorm' : 'conv output';
}

/** What the masks scaled: "the BatchNorm scales", "conv outputs (BatchNorm folded by the exporter)", … */
export function maskSiteText(kind: MaskSiteKind): string {
  if (kind === 'conv-output') return 'conv outputs (BatchNorm folded by the exporter)';
  if (kind === 'batchnorm') return 'the BatchNorm scales';
  return `the ${maskLayerName(kind)} scales (no BatchNorm in the model)`;
}
