/**
 * The verdict model's fitted constants (evidence/verdict-model.ts checks their type). Written by `npm run fit:verdict`
 * (bench/fit-verdict.ts) from the zoo bench's cached scans of the *train* split and the committed fixtures only; do not
 * edit by hand. No imports: verdict-model.ts imports this.
 */
export const VERDICT_WEIGHTS = {
  bias: -1.0076,
  weights: {
    logAnomaly: 0.3389,
    logGap: 0.8744,
    candidateShare: 1.8028
  },
  backdoored: 0.784,
  clean: 0.372,
  nameLabelShare: 0.5,
  fittedOn: "the zoo's train split and the committed fixtures (19 models, 29 scans of them of which 19 backdoored; λ 0.3 by leave-one-out)"
};
