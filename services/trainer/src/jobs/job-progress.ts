import type { ComputeEvent } from '@distillery/compute';
import { finiteOrNull, type JobSnapshot, NO_PROGRESS, TrackedProgress } from '@distillery/jobs';
import type { MetricSummary } from '@distillery/evaluation';
import { type AgentMetricsSet, type LossPoint, MAX_CURVE_POINTS, type StageResult, withAgentMetrics } from './stage-result.js';

/** What a training job's row says about its progress: each stage finished so far, besides what every job says. */
export interface TrainingSnapshot extends JobSnapshot {
  readonly stages: readonly StageResult[];
}

/**
 * A running training job's progress, folded from the compute job's protocol lines as they come
 * (many a second at times); the queue writes it to the job's row when it changed, at most once a beat.
 * The running stage's loss curve is gathered from its progress lines and kept with the stage's
 * result when it is done (the run report plots it).
 */
export class JobProgress extends TrackedProgress<TrainingSnapshot> {
  private curve: LossPoint[] = [];

  constructor(from?: Partial<TrainingSnapshot>) {
    super({ ...NO_PROGRESS, stages: [], ...from });
  }

  /** stage_start, progress and stage_done move it; other lines leave it as it is. */
  apply(event: ComputeEvent): void {
    const stage = typeof event.stage === 'string' ? event.stage : null;
    if (event.event === 'stage_start' && stage) {
      this.curve = [];
      this.update({ stage, step: null, total: null, loss: null, progress: null });
    } else if (event.event === 'progress' && stage) {
      const { event: _event, ts: _ts, ...progress } = event;
      this.record(event);
      this.update({ stage, step: finiteOrNull(event.step), total: finiteOrNull(event.total), loss: finiteOrNull(event.loss) ?? this.snapshot.loss, progress: { ...progress, at: event.ts } });
    } else if (event.event === 'stage_done' && stage) {
      // a stage found finished (a resumed job) ran no steps now: it keeps the curve its first run recorded
      const earlier = this.snapshot.stages.find((done) => done.stage === stage)?.curve;
      const curve = this.curve.length ? this.curve : earlier;
      const result: StageResult = { stage, metrics: (event.metrics ?? {}) as Record<string, unknown>, skipped: event.skipped === true, ...(curve?.length ? { curve } : {}) };
      this.curve = [];
      this.update({ stage, stages: [...this.snapshot.stages.filter((done) => done.stage !== stage), result] });
    }
  }

  /**
   * Adds what the trainer measured after the compute job to a finished stage: its agent-level
   * metrics of `set` (the summaries, and their means as `agent.<agent>.<metric>` figures, or
   * `heldout.agent.<agent>.<metric>` for the held-out-phrasing rows).
   */
  addAgentMetrics(stage: string, summaries: readonly MetricSummary[], set: AgentMetricsSet = 'eval'): void {
    this.update({ stages: this.snapshot.stages.map((done) => (done.stage === stage ? withAgentMetrics(done, summaries, set) : done)) });
  }

  private record(event: ComputeEvent): void {
    const step = finiteOrNull(event.step);
    const loss = finiteOrNull(event.loss);
    if (step === null || loss === null) return;
    const rewardMargin = finiteOrNull(event.reward_margin);
    // past the cap every other point goes: the curve keeps its shape, its first point and (appended after) its last
    if (this.curve.length >= MAX_CURVE_POINTS) this.curve = this.curve.filter((_point, index) => index % 2 === 0);
    this.curve.push({ step, loss, ...(rewardMargin === null ? {} : { rewardMargin }) });
  }
}
