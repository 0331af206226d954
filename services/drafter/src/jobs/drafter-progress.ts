import type { ComputeEvent } from '@distillery/compute';
import { finiteOrNull, type JobSnapshot, NO_PROGRESS, TrackedProgress } from '@distillery/jobs';
import { type DraftingResults, NO_RESULTS, type VariantResult } from './drafting-results.js';

/** What a drafter job's row says about its progress: each set's data and each variant's figures, besides what every job says. */
export interface DraftingSnapshot extends JobSnapshot {
  readonly results: DraftingResults;
}

/** A protocol line's own figures: without the envelope, the names already keyed on, and file paths (they say where the run dir is). */
function figuresOf(event: ComputeEvent, ...drop: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(event).filter(([name]) => !['event', 'ts', 'path', ...drop].includes(name)));
}

/**
 * A running drafter job's progress, folded from the compute job's protocol lines as they come: the
 * stage and its step (data: prompts answered; train: optimizer steps, with loss), each set's data,
 * each variant's training and measurements. The queue writes it to the job's row when it changed,
 * at most once a beat.
 */
export class DrafterProgress extends TrackedProgress<DraftingSnapshot> {
  constructor(from?: Partial<DraftingSnapshot>) {
    super({ ...NO_PROGRESS, results: NO_RESULTS, ...from });
  }

  apply(event: ComputeEvent): void {
    const stage = this.snapshot.stage ?? '';
    const [kind, name, method] = stage.split(':');
    switch (event.event) {
      case 'stage_start':
        if (typeof event.stage === 'string') this.update({ stage: event.stage, step: null, total: null, loss: null, progress: null });
        break;
      case 'progress':
        this.update({ step: finiteOrNull(event.step), total: finiteOrNull(event.total), loss: finiteOrNull(event.loss) ?? (kind === 'train' ? this.snapshot.loss : null), progress: { ...figuresOf(event), at: event.ts } });
        break;
      case 'data': {
        const set = Array.isArray(event.sets) && typeof event.sets[0] === 'string' ? event.sets[0] : (name ?? 'unknown');
        this.update({ results: { ...this.snapshot.results, data: { ...this.snapshot.results.data, [set]: figuresOf(event) } } });
        break;
      }
      case 'start':
        if (kind === 'train' && name) this.variant(name, { train: figuresOf(event) });
        break;
      case 'resumed':
        if (kind === 'train' && name && typeof event.step === 'number') this.variant(name, { resumedAt: event.step });
        break;
      case 'drafter':
        if (kind === 'train' && name) this.variant(name, { final: figuresOf(event) });
        break;
      case 'evaluated': {
        const variant = typeof event.variant === 'string' ? event.variant : name;
        const measured = event.method === 'chain' || event.method === 'tree' ? event.method : method;
        if (variant && (measured === 'chain' || measured === 'tree')) this.variant(variant, { [measured]: figuresOf(event, 'variant', 'method') });
        break;
      }
    }
  }

  private variant(name: string, change: VariantResult): void {
    const variants = this.snapshot.results.variants;
    this.update({ results: { ...this.snapshot.results, variants: { ...variants, [name]: { ...variants[name], ...change } } } });
  }
}
