import type { ComputeEvent } from './compute-event.js';
import { type ComputeJobOptions, runComputeJob } from './compute-job.js';

/** The drafters of the paper's Table 2 `drafter` trains: on the external set, on the in-domain (synthetic) set, on both. */
export const DRAFTER_VARIANTS = ['external', 'synthetic', 'combined'] as const;
export type DrafterVariant = (typeof DRAFTER_VARIANTS)[number];

/** What `python -m distillery_compute drafter` is asked to do (compute/distillery_compute/eagle/job.py). */
export interface DrafterJobOptions {
  /** The student: a checkpoint dir with its tokenizer (EAGLE-3 needs at least 7 layers). */
  readonly checkpoint: string;
  /** The curator's eagle.jsonl: `{id, set: "in-domain" | "external", prompt}` rows. */
  readonly eagleRows: string;
  /** The curator's eval.jsonl: the held-out prompts acceptance is measured on. */
  readonly evalRows: string;
  /** Its state; the same command with the same run dir resumes (data reused, training from its last saved step). */
  readonly runDir: string;
  readonly variants?: readonly DrafterVariant[];
  /** Optimizer steps per drafter. */
  readonly steps?: number;
  readonly draftVocab?: number;
  readonly lr?: number;
  /** Training-time-test unroll. */
  readonly tttSteps?: number;
  /** The student's answer per eagle prompt, in tokens. */
  readonly maxNewTokens?: number;
  /** Prompt and answer kept per example. */
  readonly maxTokens?: number;
  /** The data's size budget, per set. */
  readonly maxBytes?: number;
  /** Eagle prompts the student answers per set (absent: all). */
  readonly maxPrompts?: number;
  /** Held-out prompts measured. */
  readonly evalLimit?: number;
  readonly evalMaxTokens?: number;
}

/** A stage begins: `data:<set>`, `train:<variant>`, `evaluate:<variant>:<chain|tree>`. */
export interface DrafterStageStartEvent extends ComputeEvent {
  readonly event: 'stage_start';
  readonly stage: string;
}

/** A step of the stage running (data: prompts answered; train: optimizer steps, with loss and per-step accuracy). */
export interface DrafterProgressEvent extends ComputeEvent {
  readonly event: 'progress';
  readonly step: number;
  readonly total: number;
  readonly elapsed_s?: number;
  readonly eta_s?: number | null;
  readonly loss?: number;
  readonly accuracy?: readonly number[];
}

/** One set's data is built (or was found built). */
export interface DrafterDataEvent extends ComputeEvent {
  readonly event: 'data';
  readonly examples: number;
  readonly skipped: number;
  readonly answer_tokens: number;
  readonly tokens: number;
  readonly bytes: number;
  readonly sets: readonly string[];
}

/** A drafter's training starts (or goes on: `resumed` came first). */
export interface DrafterTrainStartEvent extends ComputeEvent {
  readonly event: 'start';
  readonly examples: number;
  readonly steps: number;
  readonly trainable_params: number;
  readonly target_params: number;
  readonly draft_vocab_size: number;
  readonly answer_coverage: number;
}

export interface DrafterResumedEvent extends ComputeEvent {
  readonly event: 'resumed';
  readonly step: number;
}

/** A drafter is trained and saved in the EAGLE-3 layout. */
export interface DrafterSavedEvent extends ComputeEvent {
  readonly event: 'drafter';
  readonly path: string;
  readonly loss: number;
  readonly accuracy_by_step: readonly number[];
}

/** A drafter measured on the held-out prompts, drafting as a chain or a tree, against plain decoding. */
export interface DrafterEvaluatedEvent extends ComputeEvent {
  readonly event: 'evaluated';
  readonly variant: string;
  readonly method: 'chain' | 'tree';
  readonly mean_accepted_length: number | null;
  readonly acceptance_by_position: readonly number[];
  readonly tokens_per_s: number;
  readonly speedup: number;
  /** Held-out prompts whose output equals plain decoding's. */
  readonly same_output: number;
  readonly draft_time_share: number;
}

/** The last line: the run's manifest.json, the best variant (highest tree acceptance) and each variant's acceptance. */
export interface DrafterDoneEvent extends ComputeEvent {
  readonly event: 'done';
  readonly manifest: string;
  readonly best: string;
  readonly variants: Readonly<Record<string, { readonly chain: number | null; readonly tree: number | null }>>;
  readonly wall_s: number;
}

export type DrafterEvent = DrafterStageStartEvent | DrafterProgressEvent | DrafterDataEvent | DrafterTrainStartEvent | DrafterResumedEvent | DrafterSavedEvent | DrafterEvaluatedEvent | DrafterDoneEvent;

/** What one measured method of a variant says in the run's manifest.json. */
export interface DrafterMethodMetrics {
  readonly mean_accepted_length: number | null;
  readonly acceptance_by_position: readonly number[];
  readonly tokens_per_s: number;
  readonly speedup: number;
  readonly same_output: number;
  readonly draft_time_share: number;
  readonly [figure: string]: unknown;
}

/** The run's manifest.json (`<run dir>/manifest.json`), as far as its readers rely on it. */
export interface DrafterRunManifest {
  readonly target: { readonly path: string; readonly weights_sha256: string };
  readonly data: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly held_out: { readonly prompts: number; readonly max_tokens: number; readonly plain: Readonly<Record<string, unknown>> };
  readonly variants: Readonly<
    Record<
      string,
      {
        /** `<run dir>/drafters/<variant>/drafter`: config.json, model.safetensors, manifest.json. */
        readonly path: string;
        readonly sets: readonly string[];
        readonly train: Readonly<Record<string, unknown>>;
        readonly final: { readonly loss: number; readonly accuracy_by_step: readonly number[] };
        readonly metrics: { readonly chain: DrafterMethodMetrics; readonly tree: DrafterMethodMetrics };
        readonly weights_sha256: string;
      }
    >
  >;
  readonly best: string;
}

/** The command line of `drafter` after `python -m distillery_compute`. */
export function drafterArgs(options: DrafterJobOptions): string[] {
  const args = ['drafter', '--checkpoint', options.checkpoint, '--eagle-rows', options.eagleRows, '--eval-rows', options.evalRows, '--run-dir', options.runDir];
  const flags: Array<[string, string | number | undefined]> = [
    ['--variants', options.variants?.join(',')],
    ['--steps', options.steps],
    ['--draft-vocab', options.draftVocab],
    ['--lr', options.lr],
    ['--ttt-steps', options.tttSteps],
    ['--max-new-tokens', options.maxNewTokens],
    ['--max-tokens', options.maxTokens],
    ['--max-bytes', options.maxBytes],
    ['--max-prompts', options.maxPrompts],
    ['--eval-limit', options.evalLimit],
    ['--eval-max-tokens', options.evalMaxTokens],
  ];
  for (const [flag, value] of flags) if (value !== undefined) args.push(flag, String(value));
  return args;
}

/**
 * Runs `drafter` and resolves with its done line; `onEvent` sees every line before it as it comes.
 * Exit 2 (bad arguments or inputs, a run dir of another training): ComputeJobError with `badInput`.
 */
export function runDrafterJob(options: DrafterJobOptions, job: Omit<ComputeJobOptions, 'resultEvent' | 'onEvent'> & { readonly onEvent?: (event: DrafterEvent) => void } = {}): Promise<DrafterDoneEvent> {
  const { onEvent, ...rest } = job;
  return runComputeJob<DrafterDoneEvent>(drafterArgs(options), { ...rest, ...(onEvent ? { onEvent: (event) => onEvent(event as DrafterEvent) } : {}) });
}
