/** What every job's row says about its progress; a service's snapshot adds its own detail (stages, results …). */
export interface JobSnapshot {
  readonly stage: string | null;
  readonly step: number | null;
  readonly total: number | null;
  readonly loss: number | null;
  readonly progress: Record<string, unknown> | null;
}

/** A job that has not reported anything yet. */
export const NO_PROGRESS: JobSnapshot = { stage: null, step: null, total: null, loss: null, progress: null };

/** A protocol line's number, or null when it is missing or not finite (NaN and infinities do not go into a row). */
export const finiteOrNull = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

/**
 * A running job's progress as its row should say it, and whether that changed since it was last
 * written. A service's subclass folds the compute job's protocol lines into it as they come (many a
 * second at times); the queue writes it to the row when it changed, at most once a beat.
 */
export abstract class TrackedProgress<S extends JobSnapshot> {
  private current: S;
  private changed = false;

  protected constructor(initial: S) {
    this.current = initial;
  }

  /** The state now. */
  get snapshot(): S {
    return this.current;
  }

  /** The state when it changed since the last call (then it counts as written), else undefined. */
  takeChanged(): S | undefined {
    if (!this.changed) return undefined;
    this.changed = false;
    return this.current;
  }

  /** A write of the last change failed: it is written with the next one. */
  markUnwritten(): void {
    this.changed = true;
  }

  protected update(change: Partial<S>): void {
    this.current = { ...this.current, ...change };
    this.changed = true;
  }
}
