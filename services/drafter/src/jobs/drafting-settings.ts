import type { DrafterVariant } from '@distillery/compute';
import type { DrafterConfig } from '../config/drafter.config.js';

/**
 * How a job drafts, fixed when it is queued and kept with it: a job resumed after a crash or a
 * restart runs with the settings it started with (the compute plane refuses a run dir otherwise).
 */
export interface DraftingSettings {
  readonly variants: readonly DrafterVariant[];
  readonly steps: number;
  readonly draftVocab: number;
  readonly tttSteps: number;
  readonly maxNewTokens: number;
  readonly maxTokens: number;
  /** Absent: the compute plane's budget. */
  readonly maxBytes?: number;
  /** Absent: every eagle prompt of a set. */
  readonly maxPrompts?: number;
  readonly evalLimit: number;
  readonly evalMaxTokens: number;
}

export function draftingSettingsOf(config: DrafterConfig): DraftingSettings {
  return {
    variants: config.DISTILLERY_DRAFTER_VARIANTS,
    steps: config.DISTILLERY_DRAFTER_STEPS,
    draftVocab: config.DISTILLERY_DRAFTER_DRAFT_VOCAB,
    tttSteps: config.DISTILLERY_DRAFTER_TTT_STEPS,
    maxNewTokens: config.DISTILLERY_DRAFTER_MAX_NEW_TOKENS,
    maxTokens: config.DISTILLERY_DRAFTER_MAX_TOKENS,
    ...(config.DISTILLERY_DRAFTER_MAX_BYTES !== undefined ? { maxBytes: config.DISTILLERY_DRAFTER_MAX_BYTES } : {}),
    ...(config.DISTILLERY_DRAFTER_MAX_PROMPTS !== undefined ? { maxPrompts: config.DISTILLERY_DRAFTER_MAX_PROMPTS } : {}),
    evalLimit: config.DISTILLERY_DRAFTER_EVAL_LIMIT,
    evalMaxTokens: config.DISTILLERY_DRAFTER_EVAL_MAX_TOKENS,
  };
}
