import { createHash } from 'node:crypto';

/** The kinds of mistakes the reference teacher makes on purpose, so the judge has real errors to fix. */
export const MISTAKE_KINDS = {
  understander: ['wrong-entity'],
  planner: ['missing-tool-call', 'wrong-tool-call', 'rule-violation'],
  explainer: ['invented-vehicle', 'unfaithful-explanation'],
} as const;

export type MistakeRole = keyof typeof MISTAKE_KINDS;
export type MistakeKind = (typeof MISTAKE_KINDS)[MistakeRole][number];

export interface MistakeRates {
  /** Probability that one call of a role makes a mistake; 0 plays every role correctly. */
  readonly perRole: Readonly<Partial<Record<MistakeRole, number>>>;
}

export const NO_MISTAKES: MistakeRates = { perRole: {} };

/** Every role errs with the same probability, its kinds equally likely. */
export function uniformMistakes(rate: number): MistakeRates {
  return { perRole: { understander: rate, planner: rate, explainer: rate } };
}

/**
 * Decides, deterministically from (seed, role, prompt), whether a call errs and how: the same
 * call makes the same mistake in every run, whatever the order or concurrency of calls.
 */
export class MistakePlanner {
  constructor(
    private readonly seed: number,
    private readonly rates: MistakeRates,
  ) {}

  /** The mistake this call makes, or undefined for a correct answer. */
  pick(role: MistakeRole, prompt: string): MistakeKind | undefined {
    const rate = this.rates.perRole[role] ?? 0;
    if (rate <= 0) return undefined;
    const [roll, choice] = this.uniforms(role, prompt);
    if (roll >= rate) return undefined;
    const kinds = MISTAKE_KINDS[role];
    return kinds[Math.min(kinds.length - 1, Math.floor(choice * kinds.length))];
  }

  /** A uniform number in [0, 1) for other seeded choices in the same call (which entity to corrupt…). */
  uniform(role: string, prompt: string, salt: string): number {
    return this.uniforms(`${role}/${salt}`, prompt)[0];
  }

  private uniforms(role: string, prompt: string): [number, number] {
    const digest = createHash('sha256').update(`${this.seed}\u0000${role}\u0000${prompt}`).digest();
    return [digest.readUInt32BE(0) / 2 ** 32, digest.readUInt32BE(4) / 2 ** 32];
  }
}
