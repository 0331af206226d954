import type { ComputeEvent } from '@distillery/compute';
import { finiteOrNull, type JobSnapshot, NO_PROGRESS, TrackedProgress } from '@distillery/jobs';
import type { StageResult } from './stage-result.js';

/** What a training job's row says about its progress: each stage finished so far, besides what every job says. */
export interface TrainingSnapshot extends JobSnapshot {
  readonly stages: readonly StageResult[];
}

/**
 * A running training job's progress, folded from the compute job's protocol lines as they come
 * (many a second at times); the queue writes it to the job's row when it changed, at most once a beat.
 */
export class JobProgress extends TrackedProgress<TrainingSnapshot> {
  constructor(from?: Partial<TrainingSnapshot>) {
    super({ ...NO_PROGRESS, stages: [], ...from });
  }

  /** stage_start, progress and stage_done move it; other lines leave it as it is. */
  apply(event: ComputeEvent): void {
    const stage = typeof event.stage === 'string' ? event.stage : null;
    if (event.event === 'stage_start' && stage) {
      this.update({ stage, step: null, total: null, loss: null, progress: null });
    } else if (event.event === 'progress' && stage) {
      const { event: _event, ts: _ts, ...progress } = event;
      this.update({ stage, step: finiteOrNull(event.step), total: finiteOrNull(event.total), loss: finiteOrNull(event.loss) ?? this.snapshot.loss, progress: { ...progress, at: event.ts } });
    } else if (event.event === 'stage_done' && stage) {
      const result: StageResult = { stage, metrics: (event.metrics ?? {}) as Record<string, unknown>, skipped: event.skipped === true };
      this.update({ stage, stages: [...this.snapshot.stages.filter((done) => done.stage !== stage), result] });
    }
  }
}
