/**
 * Where RNP's per-channel masks sit in a model: the BatchNormalization scale (the paper's choice); in a model that
 * normalises with LayerNorm (or GroupNorm) instead, that layer's per-channel scale; otherwise (the exporter folded BatchNorm into the
 * convolutions) a conv's output channels. Its own module because the graph,
 * the plan and the result all speak of it and none of them should import another for it.
 */
export type MaskSiteKind = 'batchnorm' | 'conv-output' | 'layernorm' | 'groupnorm';
