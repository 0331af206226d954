/** What one variant's drafter did so far: its training, then its measurements drafting as a chain and as a tree. */
export interface VariantResult {
  /** The `start` line: examples, steps, trainable and target parameters, draft vocabulary, answer coverage. */
  readonly train?: Readonly<Record<string, unknown>>;
  /** The step training resumed at (a job resumed after a drain or a restart). */
  readonly resumedAt?: number;
  /** The `drafter` line: final loss and accuracy by TTT step. */
  readonly final?: Readonly<Record<string, unknown>>;
  /** The `evaluated` lines: mean accepted length, acceptance by position, tokens/s, speedup, same output … */
  readonly chain?: Readonly<Record<string, unknown>>;
  readonly tree?: Readonly<Record<string, unknown>>;
}

/** Everything a drafter job reported, by set and by variant (no file paths). */
export interface DraftingResults {
  /** Each set's data (`data` lines): examples, skipped prompts, answer tokens, bytes. */
  readonly data: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly variants: Readonly<Record<string, VariantResult>>;
}

export const NO_RESULTS: DraftingResults = { data: {}, variants: {} };
