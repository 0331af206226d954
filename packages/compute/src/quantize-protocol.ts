import type { ComputeEvent } from './compute-event.js';
import { type ComputeJobOptions, runComputeJob } from './compute-job.js';

/** The calibration sets of the paper's Figure 4 the curator's calibration.jsonl holds: `mixed` is the deployed default. */
export const QUANTIZE_SETS = ['public', 'in-domain', 'mixed'] as const;
export type QuantizeSet = (typeof QUANTIZE_SETS)[number];

/** The format `quantize` writes (compressed-tensors' FP8 layout), as checkpoints.fp8 names it. */
export const FP8_FORMAT = 'fp8-e4m3-w8a8-static-per-tensor';

/** What `python -m distillery_compute quantize` is asked to do (compute/distillery_compute/fp8/job.py). */
export interface QuantizeJobOptions {
  /** The BF16 student: a checkpoint dir with its tokenizer. */
  readonly checkpoint: string;
  /** The curator's calibration.jsonl: `{set, bucket, text}` rows. */
  readonly calibration: string;
  /** The curator's eval.jsonl: held-out agent calls (prompt and reference output). */
  readonly evalRows: string;
  /** Its state: calibration.json and sweep.json found there are reused; student/, drafter/ and manifest.json are written there. */
  readonly runDir: string;
  /** An EAGLE-3 drafter of this student, quantized too. */
  readonly drafter?: string;
  /** The calibration the scales come from (default mixed). */
  readonly set?: QuantizeSet;
  /** Its texts' length in tokens: a bucket of the calibration file (default 2048). */
  readonly length?: number;
  /** Calibration texts per set and length (default 8). */
  readonly samples?: number;
  /** Held-out sequences the clip rates are measured on, and their length. */
  readonly testLimit?: number;
  readonly testMaxTokens?: number;
  /** Held-out rows decoded for exact match and greedy agreement, and their tokens. */
  readonly evalLimit?: number;
  readonly evalMaxTokens?: number;
  /** Quantize lm_head too (default: kept in BF16). */
  readonly quantizeLmHead?: boolean;
}

/** A stage begins: `calibrate:<set>@<length>`, `clip-rates`, `quantize`, `evaluate`, `drafter`, `acceptance:<bf16_drafter|fp8_drafter>`. */
export interface QuantizeStageStartEvent extends ComputeEvent {
  readonly event: 'stage_start';
  readonly stage: string;
}

/** A step of the stage running: calibration texts observed, held-out sequences swept. */
export interface QuantizeProgressEvent extends ComputeEvent {
  readonly event: 'progress';
  readonly step: number;
  readonly total: number;
  readonly elapsed_s?: number;
  readonly eta_s?: number | null;
  readonly what?: string;
}

/** One set's clip rate on the held-out sequences at each calibration length (`"32": 6.8e-5`, …). */
export interface QuantizeClipRatesEvent extends ComputeEvent {
  readonly event: 'clip_rates';
  readonly set: string;
}

/** BF16 against FP8: greedy agreement, and `bf16.held_out_loss`, `fp8.exact_match`, `fp8.tokens_per_s` … */
export interface QuantizeEvaluatedEvent extends ComputeEvent {
  readonly event: 'evaluated';
  readonly greedy_agreement: number;
}

/** A drafter's acceptance drafting for the FP8 student, before (`bf16_drafter`) and after (`fp8_drafter`) its own quantization. */
export interface QuantizeAcceptanceEvent extends ComputeEvent {
  readonly event: 'acceptance';
  readonly drafter: 'bf16_drafter' | 'fp8_drafter';
  readonly mean_accepted_length: number | null;
  readonly same_output: number;
  readonly prompts: number;
}

/** The last line: the run's manifest.json, the FP8 student and drafter dirs, the calibration used and its figures. */
export interface QuantizeDoneEvent extends ComputeEvent {
  readonly event: 'done';
  readonly manifest: string;
  readonly student: string;
  readonly drafter: string | null;
  readonly calibration: { readonly set: QuantizeSet; readonly length: number; readonly samples: number };
  readonly clip_rate: number;
  readonly greedy_agreement: number;
  readonly wall_s: number;
}

export type QuantizeEvent = QuantizeStageStartEvent | QuantizeProgressEvent | QuantizeClipRatesEvent | QuantizeEvaluatedEvent | QuantizeAcceptanceEvent | QuantizeDoneEvent;

/** Where a model of the run is and the sha256 of its model.safetensors. */
export interface QuantizeRunModel {
  readonly path: string;
  readonly weights_sha256: string;
}

/** The run's manifest.json (`<run dir>/manifest.json`), as far as its readers rely on it. */
export interface QuantizeRunManifest {
  readonly format: string;
  /** The BF16 student quantized. */
  readonly target: QuantizeRunModel;
  /** `<run dir>/student`: config.json (with quantization_config), model.safetensors, manifest.json, tokenizer files. */
  readonly student: QuantizeRunModel;
  /** `<run dir>/drafter` (config.json, model.safetensors, manifest.json) and the BF16 drafter it came from; null without one. */
  readonly drafter: (QuantizeRunModel & { readonly source: QuantizeRunModel }) | null;
  readonly calibration: { readonly set: QuantizeSet; readonly length: number; readonly samples: number; readonly tokens: number; readonly observer: string; readonly ignore: readonly string[] };
  /** The deployed calibration's clip rate on the held-out sequences: overall, flushed to zero, and per layer group. */
  readonly clip_rates: { readonly total: number; readonly flush: number; readonly layers: Readonly<Record<string, number>> };
  /** Every calibration's clip rate, by set and length. */
  readonly sweep: { readonly test: Readonly<Record<string, number>>; readonly sets: Readonly<Record<string, Readonly<Record<string, { readonly clip_rate: number; readonly flush_rate: number }>>>> };
  readonly scales: Readonly<Record<string, unknown>>;
  readonly metrics: {
    readonly bf16: Readonly<Record<string, number>>;
    readonly fp8: Readonly<Record<string, number>>;
    readonly greedy_agreement: number;
    readonly agreement_prompts: number;
    readonly decode: Readonly<Record<string, { readonly tokens: number; readonly seconds: number; readonly tokens_per_s: number }>>;
    readonly [figure: string]: unknown;
  };
  readonly acceptance: Readonly<Record<string, { readonly mean_accepted_length: number | null; readonly same_output: number; readonly prompts: number; readonly [figure: string]: unknown }>> | null;
  readonly memory: Readonly<Record<string, number>>;
}

/** The command line of `quantize` after `python -m distillery_compute`. */
export function quantizeArgs(options: QuantizeJobOptions): string[] {
  const args = ['quantize', '--checkpoint', options.checkpoint, '--calibration', options.calibration, '--eval-rows', options.evalRows, '--run-dir', options.runDir];
  const flags: Array<[string, string | number | undefined]> = [
    ['--drafter', options.drafter],
    ['--set', options.set],
    ['--length', options.length],
    ['--samples', options.samples],
    ['--test-limit', options.testLimit],
    ['--test-max-tokens', options.testMaxTokens],
    ['--eval-limit', options.evalLimit],
    ['--eval-max-tokens', options.evalMaxTokens],
  ];
  for (const [flag, value] of flags) if (value !== undefined) args.push(flag, String(value));
  if (options.quantizeLmHead) args.push('--quantize-lm-head');
  return args;
}

/**
 * Runs `quantize` and resolves with its done line; `onEvent` sees every line before it as it comes.
 * Exit 2 (bad arguments or inputs, a calibration length the file lacks): ComputeJobError with `badInput`.
 */
export function runQuantizeJob(options: QuantizeJobOptions, job: Omit<ComputeJobOptions, 'resultEvent' | 'onEvent'> & { readonly onEvent?: (event: QuantizeEvent) => void } = {}): Promise<QuantizeDoneEvent> {
  const { onEvent, ...rest } = job;
  return runComputeJob<QuantizeDoneEvent>(quantizeArgs(options), { ...rest, ...(onEvent ? { onEvent: (event) => onEvent(event as QuantizeEvent) } : {}) });
}
