import type { ComputeEvent } from '@distillery/compute';
import type { StageResult } from './stage-result.js';

/** What a job's row says about its progress. */
export interface JobSnapshot {
  readonly stage: string | null;
  readonly step: number | null;
  readonly total: number | null;
  readonly loss: number | null;
  readonly progress: Record<string, unknown> | null;
  readonly stages: readonly StageResult[];
}

const finiteOrNull = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

/**
 * A running job's progress, folded from the compute job's protocol lines as they come (many a
 * second at times); the queue writes it to the job's row when it changed, at most once a beat.
 */
export class JobProgress {
  private current: JobSnapshot;
  private changed = false;

  constructor(from?: Partial<JobSnapshot>) {
    this.current = { stage: null, step: null, total: null, loss: null, progress: null, stages: [], ...from };
  }

  /** stage_start, progress and stage_done move it; other lines leave it as it is. */
  apply(event: ComputeEvent): void {
    const stage = typeof event.stage === 'string' ? event.stage : null;
    if (event.event === 'stage_start' && stage) {
      this.update({ stage, step: null, total: null, loss: null, progress: null });
    } else if (event.event === 'progress' && stage) {
      const { event: _event, ts: _ts, ...progress } = event;
      this.update({ stage, step: finiteOrNull(event.step), total: finiteOrNull(event.total), loss: finiteOrNull(event.loss) ?? this.current.loss, progress: { ...progress, at: event.ts } });
    } else if (event.event === 'stage_done' && stage) {
      const result: StageResult = { stage, metrics: (event.metrics ?? {}) as Record<string, unknown>, skipped: event.skipped === true };
      this.update({ stage, stages: [...this.current.stages.filter((done) => done.stage !== stage), result] });
    }
  }

  /** The state now. */
  get snapshot(): JobSnapshot {
    return this.current;
  }

  /** The state when it changed since the last call (then it counts as written), else undefined. */
  takeChanged(): JobSnapshot | undefined {
    if (!this.changed) return undefined;
    this.changed = false;
    return this.current;
  }

  /** A write of the last change failed: it is written with the next one. */
  markUnwritten(): void {
    this.changed = true;
  }

  private update(change: Partial<JobSnapshot>): void {
    this.current = { ...this.current, ...change };
    this.changed = true;
  }
}
