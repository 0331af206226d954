import { fp8IdOf } from '@distillery/serving';
import { z } from 'zod';
import type { BuiltDataset, QuantizedStudent, TrainedDrafter, TrainedStudent } from '../loop-stages.js';
import { describeServed, type StudentReplay } from '../student-replay.js';
import { fp8ReportOf } from './fp8-figures.js';
import type { AgentQuality, DrafterReport, GateReport, LineageNode, LossPoint, MetricSummary, RunOverview, RunReportData, SpeedRow, TrainingReport } from './run-report-data.js';

/** What a run made, as `./distillery run` holds it at the end: each part absent when its stage did not run. */
export interface RunOutcome {
  readonly overview: RunOverview;
  readonly campaignId?: string;
  readonly dataset?: BuiltDataset;
  readonly student?: TrainedStudent;
  readonly drafter?: TrainedDrafter;
  readonly quantized?: QuantizedStudent;
  readonly replay?: StudentReplay;
  /** Agent-level metrics (packages/evaluation) of each subject measured: the teacher, a stage, a deployable. */
  readonly evaluations?: ReadonlyArray<{ readonly subject: string; readonly summaries: readonly MetricSummary[] }>;
  readonly gate?: GateReport;
}

/** A stage's curve as the trainer's job view keeps it (`stages[].curve`). */
const curveSchema = z.array(z.object({ step: z.number(), loss: z.number(), rewardMargin: z.number().optional() }));

/**
 * The per-agent figures the trainer measures after each stage: `<metric>.<agent>`, the agent-level
 * metrics `agent.<agent>.<metric>`, and the same on the held-out-phrasing rows `heldout.agent.<agent>.<metric>`.
 */
const PER_AGENT = /^(exact_match|held_out_loss)\.(.+)$/;
const AGENT_LEVEL = /^(heldout\.)?agent\.([^.]+)\.(.+)$/;

const finite = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** The report's data from what the run made; reads nothing else, measures nothing. */
export function collectRunReport(run: RunOutcome): RunReportData {
  const { student, drafter, quantized, replay } = run;
  const training = student ? trainingOf(student) : undefined;
  const quality = [...(training ? stageQuality(training) : []), ...(run.evaluations ?? []).flatMap(({ subject, summaries }) => summaries.map((summary) => ({ subject, ...summary })))];
  const speed = speedRows(drafter, quantized, replay);
  const lineage = lineageOf(run);
  return {
    overview: run.overview,
    ...(training ? { training } : {}),
    ...(quality.length ? { quality } : {}),
    ...(quantized ? { fp8: fp8ReportOf(quantized, replay) } : {}),
    ...(speed.length ? { speed } : {}),
    ...(drafter ? { drafter: drafterReportOf(drafter) } : {}),
    ...(replay?.drafter ? { acceptance: { drafterId: replay.drafter.drafterId, rounds: replay.drafter.rounds, meanAcceptedLength: replay.drafter.meanAcceptedLength, rates: replay.drafter.acceptanceByPosition } } : {}),
    ...(replay ? { replay } : {}),
    ...(run.gate ? { gate: run.gate } : {}),
    ...(lineage.length ? { lineage } : {}),
  };
}

function trainingOf(student: TrainedStudent): TrainingReport {
  return {
    jobId: student.jobId,
    checkpointId: student.checkpointId,
    stages: student.stages.map((stage) => {
      const curve = curveSchema.safeParse((stage as { readonly curve?: unknown }).curve);
      const metrics = Object.fromEntries(Object.entries(stage.metrics).filter((entry): entry is [string, number] => finite(entry[1])));
      return { stage: stage.stage, curve: curve.success ? (curve.data as LossPoint[]) : [], metrics };
    }),
  };
}

/** Figure 3 from the trainer's own measurements: each stage's exact match and held-out loss per agent. */
function stageQuality(training: TrainingReport): AgentQuality[] {
  return training.stages.flatMap(({ stage, metrics }) =>
    Object.entries(metrics).flatMap(([key, mean]) => {
      const match = PER_AGENT.exec(key);
      if (match) return [{ subject: stage, metric: match[1]!, agent: match[2]!, mean }];
      const agentLevel = AGENT_LEVEL.exec(key);
      return agentLevel ? [{ subject: agentLevel[1] ? `${stage} (held-out phrasing)` : stage, metric: agentLevel[3]!, agent: agentLevel[2]!, mean }] : [];
    }),
  );
}

function drafterReportOf(drafter: TrainedDrafter): DrafterReport {
  const m = drafter.metrics;
  const defined = <T extends object>(value: T) => Object.fromEntries(Object.entries(value).filter(([, figure]) => figure !== undefined)) as T;
  return {
    drafterId: drafter.drafterId,
    jobId: drafter.jobId,
    methods: [defined({ method: 'chain' as const, meanAcceptedLength: m.chainAcceptanceLength, speedup: m.chainSpeedup }), defined({ method: 'tree' as const, meanAcceptedLength: m.acceptanceLength, speedup: m.speedup, tokensPerSecond: m.tokensPerSecond })],
    ...defined({ plainTokensPerSecond: m.plainTokensPerSecond, sameOutput: m.sameOutput, heldOutPrompts: m.heldOutPrompts, draftTimeShare: m.draftTimeShare, trainLoss: m.trainLoss }),
  };
}

/**
 * Table 1's rows: what the drafter's job measured (plain BF16, EAGLE chain and tree on its held-out
 * prompts), what the quantizer's job measured (plain BF16 and FP8, the drafters on the FP8 student),
 * and the acceptance serving's engine saw over the replay. A row without any figure is left out.
 */
function speedRows(drafter: TrainedDrafter | undefined, quantized: QuantizedStudent | undefined, replay: StudentReplay | undefined): SpeedRow[] {
  const rows: SpeedRow[] = [];
  const add = (row: { system: string; measuredBy: string; tokensPerSecond?: unknown; meanAcceptedLength?: unknown; speedup?: unknown; over?: string }) => {
    const figures = {
      ...(finite(row.tokensPerSecond) ? { tokensPerSecond: row.tokensPerSecond } : {}),
      ...(finite(row.meanAcceptedLength) ? { meanAcceptedLength: row.meanAcceptedLength } : {}),
      ...(finite(row.speedup) && row.over ? { speedup: { value: row.speedup, over: row.over } } : {}),
    };
    if (Object.keys(figures).length) rows.push({ system: row.system, measuredBy: row.measuredBy, ...figures });
  };
  if (drafter) {
    const m = drafter.metrics;
    const by = `drafter job ${drafter.jobId}${finite(m.heldOutPrompts) ? ` (${m.heldOutPrompts} held-out prompts)` : ''}`;
    add({ system: 'BF16 student, plain decoding', measuredBy: by, tokensPerSecond: m.plainTokensPerSecond });
    add({ system: 'BF16 + EAGLE (chain)', measuredBy: by, meanAcceptedLength: m.chainAcceptanceLength, speedup: m.chainSpeedup, over: 'plain BF16' });
    add({ system: 'BF16 + EAGLE (tree)', measuredBy: by, tokensPerSecond: m.tokensPerSecond, meanAcceptedLength: m.acceptanceLength, speedup: m.speedup, over: 'plain BF16' });
  }
  if (quantized) {
    const { metrics, acceptance } = quantized.manifest;
    const by = `quantizer job ${quantized.jobId}`;
    const bf16 = metrics?.decode?.bf16?.tokens_per_s;
    const fp8 = metrics?.decode?.fp8?.tokens_per_s;
    add({ system: 'BF16 student, plain decoding', measuredBy: by, tokensPerSecond: bf16 });
    add({ system: 'FP8 student, plain decoding', measuredBy: by, tokensPerSecond: fp8, speedup: finite(bf16) && finite(fp8) && bf16 > 0 ? fp8 / bf16 : undefined, over: 'plain BF16' });
    const method = (side: string) => (typeof acceptance?.[side]?.spec?.method === 'string' ? ` (${String(acceptance[side]?.spec?.method)})` : '');
    const fp8Drafter = acceptance?.fp8_drafter;
    add({ system: `BF16 drafter on the FP8 student${method('bf16_drafter')}`, measuredBy: by, tokensPerSecond: acceptance?.bf16_drafter?.tokens_per_s, meanAcceptedLength: acceptance?.bf16_drafter?.mean_accepted_length });
    add({
      system: `EAGLE + FP8${method('fp8_drafter')}`,
      measuredBy: by,
      tokensPerSecond: fp8Drafter?.tokens_per_s,
      meanAcceptedLength: fp8Drafter?.mean_accepted_length,
      speedup: finite(fp8Drafter?.tokens_per_s) && finite(fp8) && fp8 > 0 ? fp8Drafter.tokens_per_s / fp8 : undefined,
      over: 'plain FP8',
    });
  }
  if (replay?.drafter) add({ system: `served ${describeServed(replay.servedAs)}`, measuredBy: `serving's engine over the replay (${replay.drafter.rounds} drafts)`, meanAcceptedLength: replay.drafter.meanAcceptedLength });
  return rows;
}

function lineageOf(run: RunOutcome): LineageNode[] {
  const { dataset, student, drafter, quantized, replay } = run;
  const nodes: Array<LineageNode | undefined> = [
    run.campaignId ? { kind: 'campaign', id: run.campaignId } : undefined,
    dataset ? { kind: 'dataset', id: `${dataset.datasetId} v${dataset.version}`, note: Object.entries(dataset.counts).map(([name, n]) => `${n} ${name}`).join(', ') } : undefined,
    student ? { kind: 'checkpoint', id: student.checkpointId, note: `trainer job ${student.jobId}` } : undefined,
    drafter ? { kind: 'drafter', id: drafter.drafterId, note: `drafter job ${drafter.jobId}` } : undefined,
    quantized ? { kind: 'fp8', id: fp8IdOf(quantized.fp8), note: `quantizer job ${quantized.jobId}` } : undefined,
    replay ? { kind: 'served', id: replay.version, note: describeServed(replay.servedAs) } : undefined,
  ];
  return nodes.filter((node): node is LineageNode => node !== undefined);
}
