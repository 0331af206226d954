import type { DatasetReady } from '@distillery/contracts';
import type { CptRow, DpoRow, SftRow } from './dataset-rows.js';
import { lastUserMessage } from './prompt-fields.js';

/** How much of an eval part the training parts hold verbatim (the datasets.ready `duplicates` shape). */
export type EvalDuplicates = NonNullable<DatasetReady['duplicates']>['eval']['before'];
export type Overlap = EvalDuplicates['promptsInTraining'];
/** An eval part's duplicates before and after the rows whose prompt is in training were dropped. */
export type HeldOutCheck = NonNullable<DatasetReady['duplicates']>['eval'];

/** The text the training parts hold, indexed for exact look-ups. */
export interface TrainingText {
  /** Every SFT and DPO prompt. */
  readonly prompts: ReadonlySet<string>;
  /** Every SFT output. */
  readonly outputs: ReadonlySet<string>;
  /** Every line of the CPT text and context, and each line's words after a `Speaker: ` label. */
  readonly cptLines: ReadonlySet<string>;
}

const SPEAKER_LINE = /^[A-Z][A-Za-z]{0,30}: (.+)$/;

export function trainingTextOf(rows: { readonly sft: readonly SftRow[]; readonly dpo: readonly DpoRow[]; readonly cpt: readonly CptRow[] }): TrainingText {
  const cptLines = new Set<string>();
  for (const row of rows.cpt) {
    for (const line of `${row.context}\n${row.text}`.split('\n')) {
      const trimmed = line.trim();
      if (!trimmed) continue;
      cptLines.add(trimmed);
      const spoken = SPEAKER_LINE.exec(trimmed)?.[1]?.trim();
      if (spoken) cptLines.add(spoken);
    }
  }
  return {
    prompts: new Set([...rows.sft.map((row) => row.prompt), ...rows.dpo.map((row) => row.prompt)]),
    outputs: new Set(rows.sft.map((row) => row.output)),
    cptLines,
  };
}

function overlap(count: number, of: number): Overlap {
  return { count, of, rate: of ? Math.round((count / of) * 10_000) / 10_000 : 0 };
}

/** The customer's utterances in eval rows: the input of each Understander call, distinct. */
export function customerUtterances(rows: readonly SftRow[]): string[] {
  const said = rows.filter((row) => row.agent === 'understander').flatMap((row) => lastUserMessage(row.prompt)?.trim() || []);
  return [...new Set(said)];
}

/**
 * The duplicate rates of eval rows against training: rows whose prompt is, character for
 * character, an SFT or DPO prompt; rows whose output is an SFT output; and distinct customer
 * utterances that are a whole line of the CPT text (a conversation document's `Customer: …` line
 * counts by its words). A share of the first makes an eval figure a training figure; the other two
 * say how templated the phrasing is.
 */
export function measureDuplicates(rows: readonly SftRow[], training: TrainingText): EvalDuplicates {
  const utterances = customerUtterances(rows);
  return {
    promptsInTraining: overlap(rows.filter((row) => training.prompts.has(row.prompt)).length, rows.length),
    outputsInSft: overlap(rows.filter((row) => training.outputs.has(row.output)).length, rows.length),
    utterancesInCpt: overlap(utterances.filter((utterance) => training.cptLines.has(utterance)).length, utterances.length),
  };
}

/** Drops the eval rows whose prompt is a training prompt, with the duplicate rates before and after. */
export function dropPromptsInTraining(rows: readonly SftRow[], training: TrainingText): { readonly rows: SftRow[]; readonly check: HeldOutCheck } {
  const kept = rows.filter((row) => !training.prompts.has(row.prompt));
  return { rows: kept, check: { before: measureDuplicates(rows, training), after: measureDuplicates(kept, training), dropped: rows.length - kept.length } };
}
