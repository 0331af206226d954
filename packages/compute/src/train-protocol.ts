import type { ComputeEvent } from './compute-event.js';
import { type ComputeJobOptions, runComputeJob } from './compute-job.js';

/** The stages `train` knows, in pipeline order (bootstrap runs first on its own when no base is given). */
export const TRAIN_STAGES = ['expand', 'cpt', 'sft', 'dpo'] as const;
export type TrainStage = (typeof TRAIN_STAGES)[number];

/** What `python -m distillery_compute train` is asked to do (compute/README.md, "Distilling a student"). */
export interface TrainJobOptions {
  /** Its state; the same command with the same run dir resumes (other settings or inputs are refused, exit 2). */
  readonly runDir: string;
  /** micro, tiny, smollm2-135m, llama-3.2-1b, llama-3.1-8b (all but micro and tiny need `base`). */
  readonly preset: string;
  readonly cpt: string;
  readonly sft: string;
  readonly dpo: string;
  /** Held-out rows in the SFT format: quality after every stage. */
  readonly eval?: string;
  /** With `eval`: held-out-phrasing rows (the same format), `evalLimit` of them decoded after every stage too, without their loss (`heldout_` figures, `<stage>/eval_outputs.heldout.jsonl`). */
  readonly evalHeldOut?: string;
  /** A Hugging Face Llama dir with its tokenizer.json; without it a base is bootstrapped (micro, tiny). */
  readonly base?: string;
  readonly seed?: number;
  readonly stages?: readonly TrainStage[];
  /** Cap on every stage's optimizer steps. */
  readonly maxSteps?: number;
  /** Eval rows decoded per stage (exact match); 0 measures the held-out loss only. */
  readonly evalLimit?: number;
  /** Eval rows whose held-out loss is measured per stage, each role in turn (0 or absent: all). */
  readonly evalRows?: number;
  readonly device?: 'auto' | 'cpu' | 'cuda';
}

export interface TrainStageStartEvent extends ComputeEvent {
  readonly event: 'stage_start';
  readonly stage: string;
}

/** A training step (at most one a second or so), DPO's with `reward_margin` and `preference_accuracy`. */
export interface TrainProgressEvent extends ComputeEvent {
  readonly event: 'progress';
  readonly stage: string;
  readonly step: number;
  readonly total: number;
  readonly loss?: number | null;
  readonly lr?: number;
  readonly tokens_per_s?: number;
  readonly eta_s?: number | null;
}

/** The training state was saved (the point a resumed run goes on from). */
export interface TrainCheckpointEvent extends ComputeEvent {
  readonly event: 'checkpoint';
  readonly stage: string;
  readonly step: number;
  readonly total: number;
  readonly path: string;
}

/** A stage finished (or was found finished: `skipped`), with its checkpoint dir and figures. */
export interface TrainStageDoneEvent extends ComputeEvent {
  readonly event: 'stage_done';
  readonly stage: string;
  readonly checkpoint: string;
  readonly metrics: Readonly<Record<string, unknown>>;
  readonly skipped: boolean;
}

export interface TrainStageReport {
  readonly stage: string;
  readonly metrics: Readonly<Record<string, unknown>>;
  readonly checkpoint: string;
  readonly skipped?: boolean;
}

/** The last line: the student dir (config.json, model.safetensors, manifest.json, tokenizer files) and every stage. */
export interface TrainDoneEvent extends ComputeEvent {
  readonly event: 'done';
  readonly student: string;
  readonly report: string;
  readonly stages: readonly TrainStageReport[];
  readonly wall_s: number;
}

export type TrainEvent = TrainStageStartEvent | TrainProgressEvent | TrainCheckpointEvent | TrainStageDoneEvent | TrainDoneEvent;

/** The command line of `train` after `python -m distillery_compute`. */
export function trainArgs(options: TrainJobOptions): string[] {
  const args = ['train', '--run-dir', options.runDir, '--preset', options.preset, '--cpt', options.cpt, '--sft', options.sft, '--dpo', options.dpo];
  if (options.eval !== undefined) args.push('--eval', options.eval);
  if (options.evalHeldOut !== undefined) args.push('--eval-heldout', options.evalHeldOut);
  if (options.base !== undefined) args.push('--base', options.base);
  if (options.seed !== undefined) args.push('--seed', String(options.seed));
  if (options.stages !== undefined) args.push('--stages', options.stages.join(','));
  if (options.maxSteps !== undefined) args.push('--max-steps', String(options.maxSteps));
  if (options.evalLimit !== undefined) args.push('--eval-limit', String(options.evalLimit));
  if (options.evalRows !== undefined) args.push('--eval-rows', String(options.evalRows));
  if (options.device !== undefined) args.push('--device', options.device);
  return args;
}

/** Runs `train` and resolves with its done line; `onEvent` sees stage_start, progress, checkpoint and stage_done as they come. */
export function runTrainJob(options: TrainJobOptions, job: Omit<ComputeJobOptions, 'resultEvent' | 'onEvent'> & { readonly onEvent?: (event: TrainEvent) => void } = {}): Promise<TrainDoneEvent> {
  const { onEvent, ...rest } = job;
  return runComputeJob<TrainDoneEvent>(trainArgs(options), { ...rest, ...(onEvent ? { onEvent: (event) => onEvent(event as TrainEvent) } : {}) });
}
