/** Codes `biquadDesign` takes for its `kind` argument. */
export const BiquadKind = { lowpass: 0, highpass: 1, bandpass: 2 } as const;

/** A biquad kind name. */
export type BiquadKindName = keyof typeof BiquadKind;
