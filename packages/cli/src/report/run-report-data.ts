import type { StudentReplay } from '../student-replay.js';

/**
 * Everything a run's report shows, as plain data the run fills in (collectRunReport) and the
 * report renders (renderRunReport). Each optional part is absent when the run did not produce it,
 * and so is its section: the report never shows a figure the run did not measure.
 */
export interface RunReportData {
  readonly overview: RunOverview;
  /** The trainer's job: each stage's loss curve (and DPO's reward margin) and figures. */
  readonly training?: TrainingReport;
  /** Figure 3: per-stage (or per-deployable) per-agent quality, with 95% intervals where measured. */
  readonly quality?: readonly AgentQuality[];
  /** Figure 4 and BF16 against FP8: the quantizer's job. */
  readonly fp8?: Fp8Report;
  /** Table 1: the speeds the run measured, one row per system. */
  readonly speed?: readonly SpeedRow[];
  /** Table 2: the drafter's acceptance and speed-up, chain and tree. */
  readonly drafter?: DrafterReport;
  /** Acceptance by draft position, as serving's engine measured it over the replay. */
  readonly acceptance?: AcceptanceByPosition;
  /** Held-out conversations replayed through the agents on the student, teacher and student side by side. */
  readonly replay?: StudentReplay;
  /** The deploy gate's decision: incumbent against candidate per agent metric. */
  readonly gate?: GateReport;
  /** What the run's student came from and became, oldest first: campaign → dataset → checkpoint → drafter → FP8 → served. */
  readonly lineage?: readonly LineageNode[];
}

export interface RunOverview {
  readonly runId: string;
  /** ISO time the run started. */
  readonly startedAt: string;
  /** `12 min 3 s` */
  readonly elapsed?: string;
  /** `embedded (in-process bus, PGlite, CPU)` */
  readonly mode: string;
  /** The platform's /health status. */
  readonly health: string;
  /** `torch 2.5.1 on cpu`, or why the compute plane is unavailable. */
  readonly compute: string;
  /** The simulator's campaign, in a line. */
  readonly campaign?: string;
  /** Every stage of the flow, in order: run (with what it did) or not implemented yet. */
  readonly stages: readonly StageLine[];
}

export interface StageLine {
  /** `service/stage` */
  readonly name: string;
  readonly state: 'run' | 'not implemented';
  readonly note?: string;
}

/** An optimizer step's loss, and DPO's reward margin, as the trainer's job recorded its progress lines. */
export interface LossPoint {
  readonly step: number;
  readonly loss: number;
  readonly rewardMargin?: number;
}

export interface TrainingReport {
  readonly jobId: string;
  readonly checkpointId: string;
  readonly stages: readonly TrainingStageReport[];
}

export interface TrainingStageReport {
  /** `base`, `expand`, `cpt`, `sft`, `dpo` */
  readonly stage: string;
  /** Empty for a stage that trains nothing (the base measured, block expansion). */
  readonly curve: readonly LossPoint[];
  /** Its numeric figures: train_loss, held_out_loss, exact_match, `<metric>.<agent>` … */
  readonly metrics: Readonly<Record<string, number>>;
}

/** An agent-level metric as packages/evaluation summarizes it: mean and 95% interval over n calls or turns. */
export type { MetricSummary } from '@distillery/evaluation';

/** One bar of Figure 3: a metric of one agent for one subject (a training stage, the teacher, a deployable). */
export interface AgentQuality {
  readonly subject: string;
  readonly metric: string;
  readonly agent: string;
  readonly mean: number;
  readonly n?: number;
  /** The 95% interval, when the metric has one (drawn as an error bar). */
  readonly low?: number;
  readonly high?: number;
}

/** A clip rate (a fraction of activations) of one calibration set and length, on held-out sequences. */
export interface ClipRate {
  readonly set: string;
  readonly length: number;
  readonly clipRate: number;
}

export interface Fp8Report {
  /** `fp8_…` */
  readonly id: string;
  readonly format: string;
  readonly calibration: { readonly set: string; readonly samples: number; readonly length: number | null };
  /** The deployed calibration's clip rate on held-out sequences. */
  readonly deployedClipRate: number | null;
  readonly clipRates: readonly ClipRate[];
  readonly exactMatch: { readonly bf16: number | null; readonly fp8: number | null };
  readonly greedyAgreement: number | null;
  /** Weights on disk, student (and drafter when one was quantized). */
  readonly bytes: { readonly bf16: number | null; readonly fp8: number | null };
  readonly savedBytes: number | null;
  readonly withDrafter: boolean;
  /** How serving served it for the replay: `in FP8 (calibration mixed, 1 sample) with drafter …`. */
  readonly served?: string;
}

/** A row of Table 1: one system's decoding speed as one job measured it. */
export interface SpeedRow {
  /** `BF16 student`, `BF16 + EAGLE (tree)`, `FP8`, `EAGLE + FP8` … */
  readonly system: string;
  readonly tokensPerSecond?: number;
  readonly meanAcceptedLength?: number;
  /** Its speed over `over`'s, as the same job measured both. */
  readonly speedup?: { readonly value: number; readonly over: string };
  /** The job (and prompts) that measured it: rows of different jobs are not comparable. */
  readonly measuredBy: string;
}

export interface DrafterMethodFigures {
  readonly method: 'chain' | 'tree';
  readonly meanAcceptedLength?: number;
  readonly speedup?: number;
  readonly tokensPerSecond?: number;
}

export interface DrafterReport {
  readonly drafterId: string;
  readonly jobId: string;
  readonly methods: readonly DrafterMethodFigures[];
  readonly plainTokensPerSecond?: number;
  /** Held-out prompts whose drafted output equals plain decoding's, of heldOutPrompts. */
  readonly sameOutput?: number;
  readonly heldOutPrompts?: number;
  readonly draftTimeShare?: number;
  readonly trainLoss?: number;
}

export interface AcceptanceByPosition {
  readonly drafterId: string;
  /** Drafts verified. */
  readonly rounds: number;
  readonly meanAcceptedLength: number;
  /** The share of drafts whose token at position i (0-based) was accepted. */
  readonly rates: readonly number[];
}

/** A gate figure: a number, or a mean with its interval and count. */
export type GateFigure = number | { readonly mean: number; readonly low?: number; readonly high?: number; readonly n?: number };

export interface GateRow {
  readonly metric: string;
  readonly agent: string;
  readonly incumbent: GateFigure | null;
  readonly candidate: GateFigure | null;
  readonly tolerance: number;
  readonly ok: boolean;
}

export interface GateReport {
  /** `accepted`, `refused` … */
  readonly decision: string;
  readonly reason?: string;
  /** The version serving before the gate (null: none). */
  readonly incumbent: string | null;
  readonly candidate: string;
  readonly rows: readonly GateRow[];
}

export interface LineageNode {
  /** `campaign`, `dataset`, `checkpoint`, `drafter`, `fp8`, `served` */
  readonly kind: string;
  readonly id: string;
  readonly note?: string;
}
