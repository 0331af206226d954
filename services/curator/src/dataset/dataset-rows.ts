import type { DATASET_PARTS } from '@distillery/contracts';

export type DatasetPart = (typeof DATASET_PARTS)[number];
/** The eval part of held-out-phrasing campaigns' turns; announced apart from `parts` (datasets.ready `evalHeldOut`). */
export const EVAL_HELDOUT = 'eval-heldout';
/** Every part a build writes: the announced parts and `eval-heldout`. */
export type BuiltPart = DatasetPart | typeof EVAL_HELDOUT;
export type AgentName = 'understander' | 'planner' | 'evaluator' | 'executor' | 'explainer';

/**
 * The rows of each part, one JSON object a line. The trainer reads the fields it needs
 * (`compute/distillery_compute/data.py`) and ignores the rest, which say where a row came from.
 */

/** Continual pretraining: `context` is the sample-specific C_x the trainer keeps out of the loss. */
export interface CptRow {
  readonly id: string;
  readonly text: string;
  readonly context: string;
  readonly source: 'domain' | 'public';
  /** vehicle, model, lot, policy, faq, tool, conversation, or wordnet. */
  readonly kind: string;
}

/** Supervised fine-tuning (and the held-out eval split): the recorded prompt transcript and y*. */
export interface SftRow {
  readonly id: string;
  readonly agent: AgentName;
  readonly prompt: string;
  readonly output: string;
  readonly conversationId: string;
  readonly turnId: string;
  readonly verdict: 'accepted' | 'corrected';
  /** Held-out rows only: the teacher's own output y before the judge refined it (the teacher's agent-level figures are y scored against y*). */
  readonly teacherOutput?: string;
}

/** Preference pairs: the judge's corrections (chosen y*, rejected y) and the hard negatives. */
export interface DpoRow {
  readonly id: string;
  readonly agent: AgentName;
  readonly prompt: string;
  readonly chosen: string;
  readonly rejected: string;
  readonly source: 'judge' | 'hard-negative';
  readonly conversationId: string;
  /** Hard negatives: which boundary the rejected plan crosses, and the rule in words. */
  readonly kind?: string;
  readonly rule?: string;
}

/** Prompts for the EAGLE drafter's data: the student answers them, the drafter learns its hidden states. */
export interface EagleRow {
  readonly id: string;
  readonly set: 'in-domain' | 'external';
  /** A transcript (`<|role|>\ncontent` joined by newlines), as the SFT prompts are. */
  readonly prompt: string;
  readonly source: string;
  readonly agent?: AgentName;
}

/** FP8 calibration text of exactly `bucket` estimated tokens. */
export interface CalibrationRow {
  readonly id: string;
  readonly set: 'public' | 'in-domain' | 'mixed';
  readonly bucket: number;
  readonly tokens: number;
  readonly text: string;
  readonly source: 'public' | 'in-domain';
}

export interface DatasetRows {
  readonly cpt: readonly CptRow[];
  readonly sft: readonly SftRow[];
  readonly dpo: readonly DpoRow[];
  readonly eagle: readonly EagleRow[];
  readonly calibration: readonly CalibrationRow[];
  readonly eval: readonly SftRow[];
  /** As eval, from held-out-phrasing campaigns (utterance templates and personas no training campaign uses). */
  readonly 'eval-heldout': readonly SftRow[];
}
