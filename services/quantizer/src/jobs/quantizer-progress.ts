import type { ComputeEvent } from '@distillery/compute';
import { finiteOrNull, type JobSnapshot, NO_PROGRESS, TrackedProgress } from '@distillery/jobs';
import { NO_RESULTS, type QuantizingResults } from './quantizing-results.js';

/** What a quantizer job's row says about its progress: clip rates, evaluation and acceptance, besides what every job says. */
export interface QuantizingSnapshot extends JobSnapshot {
  readonly results: QuantizingResults;
}

/** A protocol line's own figures: without the envelope and the names already keyed on. */
function figuresOf(event: ComputeEvent, ...drop: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(event).filter(([name]) => !['event', 'ts', ...drop].includes(name)));
}

/**
 * A running quantize job's progress, folded from the compute job's protocol lines as they come: the
 * stage (`calibrate:<set>@<length>`, `clip-rates`, `quantize`, `evaluate`, `drafter`,
 * `acceptance:<drafter>`) and its step, each set's clip rates by length, BF16 against FP8, the
 * drafters' acceptance. The queue writes it to the job's row when it changed, at most once a beat.
 */
export class QuantizerProgress extends TrackedProgress<QuantizingSnapshot> {
  constructor(from?: Partial<QuantizingSnapshot>) {
    super({ ...NO_PROGRESS, results: NO_RESULTS, ...from });
  }

  apply(event: ComputeEvent): void {
    switch (event.event) {
      case 'stage_start':
        if (typeof event.stage === 'string') this.update({ stage: event.stage, step: null, total: null, progress: null });
        break;
      case 'progress':
        this.update({ step: finiteOrNull(event.step), total: finiteOrNull(event.total), progress: { ...figuresOf(event), at: event.ts } });
        break;
      case 'clip_rates':
        if (typeof event.set === 'string') {
          const rates = Object.fromEntries(Object.entries(figuresOf(event, 'set')).flatMap(([length, rate]) => (finiteOrNull(rate) === null ? [] : [[length, rate as number]])));
          this.results({ clipRates: { ...this.snapshot.results.clipRates, [event.set]: rates } });
        }
        break;
      case 'evaluated':
        this.results({ evaluated: figuresOf(event) });
        break;
      case 'acceptance':
        if (typeof event.drafter === 'string') this.results({ acceptance: { ...this.snapshot.results.acceptance, [event.drafter]: figuresOf(event, 'drafter') } });
        break;
    }
  }

  /** Whether the run's calibration was made here or reused (the runner knows before the compute job starts). */
  calibration(how: 'computed' | 'reused'): void {
    this.results({ calibration: how });
  }

  private results(change: Partial<QuantizingResults>): void {
    this.update({ results: { ...this.snapshot.results, ...change } });
  }
}
