import type { ComputeEvent } from '@distillery/compute';
import { type DraftingResults, NO_RESULTS, type VariantResult } from './drafting-results.js';

/** What a job's row says about its progress. */
export interface DraftingSnapshot {
  readonly stage: string | null;
  readonly step: number | null;
  readonly total: number | null;
  readonly loss: number | null;
  readonly progress: Record<string, unknown> | null;
  readonly results: DraftingResults;
}

const finiteOrNull = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

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
export class DrafterProgress {
  private current: DraftingSnapshot;
  private changed = false;

  constructor(from?: Partial<DraftingSnapshot>) {
    this.current = { stage: null, step: null, total: null, loss: null, progress: null, results: NO_RESULTS, ...from };
  }

  apply(event: ComputeEvent): void {
    const stage = this.current.stage ?? '';
    const [kind, name, method] = stage.split(':');
    switch (event.event) {
      case 'stage_start':
        if (typeof event.stage === 'string') this.update({ stage: event.stage, step: null, total: null, loss: null, progress: null });
        break;
      case 'progress':
        this.update({ step: finiteOrNull(event.step), total: finiteOrNull(event.total), loss: finiteOrNull(event.loss) ?? (kind === 'train' ? this.current.loss : null), progress: { ...figuresOf(event), at: event.ts } });
        break;
      case 'data': {
        const set = Array.isArray(event.sets) && typeof event.sets[0] === 'string' ? event.sets[0] : (name ?? 'unknown');
        this.update({ results: { ...this.current.results, data: { ...this.current.results.data, [set]: figuresOf(event) } } });
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

  get snapshot(): DraftingSnapshot {
    return this.current;
  }

  /** The state when it changed since the last call (then it counts as written), else undefined. */
  takeChanged(): DraftingSnapshot | undefined {
    if (!this.changed) return undefined;
    this.changed = false;
    return this.current;
  }

  /** A write of the last change failed: it is written with the next one. */
  markUnwritten(): void {
    this.changed = true;
  }

  private variant(name: string, change: VariantResult): void {
    const variants = this.current.results.variants;
    this.update({ results: { ...this.current.results, variants: { ...variants, [name]: { ...variants[name], ...change } } } });
  }

  private update(change: Partial<DraftingSnapshot>): void {
    this.current = { ...this.current, ...change };
    this.changed = true;
  }
}
