import escomplex from 'typhonjs-escomplex';

export interface HalsteadMeasures {
  readonly vocabulary: number;
  readonly length: number;
  readonly volume: number;
  readonly difficulty: number;
  readonly effort: number;
}

/**
 * Halstead's measures of a plan (typhonjs-escomplex), the Evaluator's complexity gate (paper,
 * Appendix D): from its source, or from the ESTree the Evaluator already parsed (no second parse).
 */
export function halsteadOf(plan: string | object): HalsteadMeasures {
  const report = typeof plan === 'string' ? escomplex.analyzeModule(plan, {}, { sourceType: 'script', allowReturnOutsideFunction: true }) : escomplex.analyzeModuleAST(plan, {});
  const measure = (name: keyof HalsteadMeasures) => report.aggregate.halstead[name] ?? 0;
  return { vocabulary: measure('vocabulary'), length: measure('length'), volume: measure('volume'), difficulty: measure('difficulty'), effort: measure('effort') };
}
