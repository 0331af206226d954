import type { DeploymentGated } from '@distillery/contracts';
import { type MetricSummary, readEvalRows, scoreCalls, summarize } from '@distillery/evaluation';
import type { RunningApp } from '@distillery/service-kit';
import type { BuiltDataset, QuantizedStudent } from './loop-stages.js';

/** One subject's agent-level figures, as the run report's Figure 3 takes them. */
export interface SubjectEvaluation {
  readonly subject: string;
  readonly summaries: readonly MetricSummary[];
}

/**
 * The teacher's agent-level figures on the run's held-out rows: its own output y (kept beside y*
 * in the eval part as `teacherOutput`) scored against the judge's refinement y*, as every model is.
 * Undefined when the eval part has no row with the teacher's output (a dataset built before it kept it).
 */
export async function teacherEvaluation(app: RunningApp, dataset: BuiltDataset): Promise<SubjectEvaluation | undefined> {
  const manifest = await app.platform.artifacts.getManifest(dataset.manifestSha256);
  const part = manifest.files['eval.jsonl'];
  if (!part) return undefined;
  const rows = readEvalRows((await app.platform.artifacts.get(part)).toString('utf8')).filter((row) => typeof (row as { teacherOutput?: unknown }).teacherOutput === 'string');
  if (rows.length === 0) return undefined;
  return { subject: 'teacher', summaries: summarize(await scoreCalls(rows, (row) => (row as { teacherOutput?: string }).teacherOutput!)) };
}

/** The deploy gate's two engines as Figure 3's subjects: the incumbent (the base on a first run) and the candidate, on the gate's rows. */
export function gateEvaluations(gated: DeploymentGated): SubjectEvaluation[] {
  const of = (side: 'incumbent' | 'candidate') =>
    gated.rows.flatMap((row) => {
      const figure = row[side];
      return figure ? [{ metric: row.metric, agent: row.agent, n: figure.n, mean: figure.mean, low: figure.low, high: figure.high }] : [];
    });
  return [
    ...(gated.incumbent ? [{ subject: `${gated.incumbent} (gate)`, summaries: of('incumbent') }] : []),
    { subject: `${gated.modelId}@${gated.checkpointId} (gate)`, summaries: of('candidate') },
  ];
}

/** The quantizer's figures of the student in BF16 and in FP8 on the same held-out rows (its manifest's `attributes.agentMetrics`), as Figure 3's deployables; none when it kept none. */
export async function quantizerEvaluations(app: RunningApp, quantized: QuantizedStudent): Promise<SubjectEvaluation[]> {
  const manifest = await app.platform.artifacts.getManifest(quantized.fp8.manifest);
  const measured = (manifest.attributes?.agentMetrics ?? {}) as Partial<Record<'bf16' | 'fp8', MetricSummary[]>>;
  return (['bf16', 'fp8'] as const).flatMap((precision) => (measured[precision]?.length ? [{ subject: `student ${precision.toUpperCase()} (quantizer)`, summaries: measured[precision] }] : []));
}
