/** One step of a run as its progress lines announce it. */
export interface LiveStep {
  readonly step: number;
  readonly total: number;
  readonly label: string;
  /** running: begun, not finished; done: finished with `detail`; note: a line with no work behind it. */
  readonly state: 'running' | 'done' | 'note';
  readonly detail?: string;
  readonly startedAt: number;
  /** How long it took, once done. */
  readonly ms?: number;
}

/**
 * The progress of the run going on in this process, as the CLI's ProgressPrinter prints it: the
 * printer writes each step here too, and the console reads it. Nothing else writes it.
 */
export class LiveRunBoard {
  private readonly steps = new Map<number, LiveStep>();
  readonly startedAt = Date.now();

  begin(step: number, total: number, label: string): void {
    this.steps.set(step, { step, total, label, state: 'running', startedAt: Date.now() });
  }

  finish(step: number, detail: string): void {
    const begun = this.steps.get(step);
    if (begun) this.steps.set(step, { ...begun, state: 'done', detail, ms: Date.now() - begun.startedAt });
  }

  note(step: number, total: number, label: string, detail: string): void {
    this.steps.set(step, { step, total, label, state: 'note', detail, startedAt: Date.now(), ms: 0 });
  }

  /** Every step so far, in order. */
  snapshot(): LiveStep[] {
    return [...this.steps.values()].sort((a, b) => a.step - b.step);
  }
}

/** The run this process is making, for the console: its id and its board. */
export interface LiveRun {
  readonly runId: string;
  readonly board: LiveRunBoard;
}
