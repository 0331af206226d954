import type { TraceRaw } from '@distillery/contracts';

/** One agent call of a traces.raw turn: the judged y is its `output` for its `prompt`. */
export type AgentCall = TraceRaw['calls'][number];

export const VERDICTS = ['accepted', 'corrected', 'rejected'] as const;

/** accepted: y is right as it is; corrected: y* replaces y; rejected: the call is unusable for training. */
export type Verdict = (typeof VERDICTS)[number];

/** The judge's answer for one call. */
export interface CallJudgement {
  readonly verdict: Verdict;
  /** y*: the output itself when accepted, the correction when corrected, empty when rejected. */
  readonly refined: string;
  /** Why: empty when accepted, at least one when corrected or rejected. */
  readonly reasons: readonly string[];
  /** Φ_refine, the refinement prompt rendered for this call — sent to the LLM judge, recorded by both for audit. */
  readonly refinePrompt: string;
}

/** A judge backend: refines one call at a time, the same answer for the same call and seed. */
export interface CallJudge {
  /** `reference` or `llm`, as recorded in traces.refined. */
  readonly backend: string;
  readonly model: string;
  judge(call: AgentCall): Promise<CallJudgement>;
}

export function accepted(output: string, refinePrompt: string): CallJudgement {
  return { verdict: 'accepted', refined: output, reasons: [], refinePrompt };
}

export function corrected(refined: string, reasons: readonly string[], refinePrompt: string): CallJudgement {
  return { verdict: 'corrected', refined, reasons, refinePrompt };
}

export function rejected(reasons: readonly string[], refinePrompt: string): CallJudgement {
  return { verdict: 'rejected', refined: '', reasons, refinePrompt };
}
