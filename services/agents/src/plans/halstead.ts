import escomplex from 'typhonjs-escomplex';

export interface HalsteadMeasures {
  readonly vocabulary: number;
  readonly length: number;
  readonly volume: number;
  readonly difficulty: number;
  readonly effort: number;
}

/** Halstead's measures of a plan (typhonjs-escomplex), the Evaluator's complexity gate (paper, Appendix D). */
export function halsteadOf(code: string): HalsteadMeasures {
  const report = escomplex.analyzeModule(code, {}, {
    sourceType: 'script',
    allowReturnOutsideFunction: true,
  });
  const measure = (name: keyof HalsteadMeasures) => report.aggregate.halstead[name] ?? 0;
  return { vocabulary: measure('vocabulary'), length: measure('length'), volume: measure('volume'), difficulty: measure('difficulty'), effort: measure('effort') };
}
