import { describe, expect, it } from 'vitest';
import { JobProgress } from './job-progress.js';
import { numericMetrics } from './stage-result.js';

const ts = '2026-11-25T05:00:00.000Z';

describe('a job’s progress', () => {
  it('folds the protocol lines into what the row shows, and says when it changed', () => {
    const progress = new JobProgress();
    expect(progress.takeChanged()).toBeUndefined();
    progress.apply({ event: 'stage_start', ts, stage: 'cpt' });
    progress.apply({ event: 'progress', ts, stage: 'cpt', step: 3, total: 10, loss: 2.5, lr: 1e-4, eta_s: 12 });
    progress.apply({ event: 'progress', ts, stage: 'cpt', step: 4, total: 10, loss: null });
    expect(progress.takeChanged()).toMatchObject({ stage: 'cpt', step: 4, total: 10, loss: 2.5, progress: { stage: 'cpt', step: 4, at: ts } });
    expect(progress.takeChanged()).toBeUndefined();
    progress.apply({ event: 'checkpoint', ts, stage: 'cpt', step: 4, total: 10, path: '/run/cpt/state' });
    expect(progress.takeChanged()).toBeUndefined();
    progress.apply({ event: 'stage_done', ts, stage: 'cpt', checkpoint: '/run/cpt/checkpoint', metrics: { train_loss: 2.1, merge: 'linear' }, skipped: false });
    progress.apply({ event: 'stage_done', ts, stage: 'cpt', checkpoint: '/run/cpt/checkpoint', metrics: { train_loss: 2.0 }, skipped: true });
    expect(progress.takeChanged()?.stages).toEqual([{ stage: 'cpt', metrics: { train_loss: 2.0 }, skipped: true }]);
    progress.markUnwritten();
    expect(progress.takeChanged()).toBeDefined();
  });

  it('keeps the numeric, finite figures for messages and manifests', () => {
    expect(numericMetrics({ loss: 1.5, steps: 3, merge: 'linear', new_blocks: [2, 5], nan: Number.NaN, none: null })).toEqual({ loss: 1.5, steps: 3 });
  });
});
