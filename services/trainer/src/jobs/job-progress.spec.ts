import { describe, expect, it } from 'vitest';
import { JobProgress } from './job-progress.js';
import { MAX_CURVE_POINTS, numericMetrics } from './stage-result.js';

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
    // the step without a loss is no point of the curve; the stage found done again keeps the curve it had
    expect(progress.takeChanged()?.stages).toEqual([{ stage: 'cpt', metrics: { train_loss: 2.0 }, skipped: true, curve: [{ step: 3, loss: 2.5 }] }]);
    progress.markUnwritten();
    expect(progress.takeChanged()).toBeDefined();
  });

  it('keeps each stage’s loss curve, DPO’s reward margin with it, and nothing for a stage without steps', () => {
    const progress = new JobProgress();
    progress.apply({ event: 'stage_start', ts, stage: 'expand' });
    progress.apply({ event: 'stage_done', ts, stage: 'expand', metrics: { new_blocks: 2 }, skipped: false });
    progress.apply({ event: 'stage_start', ts, stage: 'dpo' });
    progress.apply({ event: 'progress', ts, stage: 'dpo', step: 1, total: 2, loss: 0.69, reward_margin: 0.01, preference_accuracy: 0.5 });
    progress.apply({ event: 'progress', ts, stage: 'dpo', step: 2, total: 2, loss: 0.6, reward_margin: Number.NaN });
    progress.apply({ event: 'stage_done', ts, stage: 'dpo', metrics: { train_loss: 0.6 }, skipped: false });
    const stages = progress.takeChanged()?.stages;
    expect(stages?.find((stage) => stage.stage === 'expand')).not.toHaveProperty('curve');
    expect(stages?.find((stage) => stage.stage === 'dpo')?.curve).toEqual([{ step: 1, loss: 0.69, rewardMargin: 0.01 }, { step: 2, loss: 0.6 }]);
  });

  it('thins a long curve to at most MAX_CURVE_POINTS, keeping its first and last step', () => {
    const progress = new JobProgress();
    progress.apply({ event: 'stage_start', ts, stage: 'sft' });
    const steps = MAX_CURVE_POINTS * 3;
    for (let step = 1; step <= steps; step++) progress.apply({ event: 'progress', ts, stage: 'sft', step, total: steps, loss: 1 / step });
    progress.apply({ event: 'stage_done', ts, stage: 'sft', metrics: {}, skipped: false });
    const curve = progress.snapshot.stages[0]?.curve ?? [];
    expect(curve.length).toBeLessThanOrEqual(MAX_CURVE_POINTS);
    expect(curve.length).toBeGreaterThan(MAX_CURVE_POINTS / 2);
    expect([curve[0]?.step, curve.at(-1)?.step]).toEqual([1, steps]);
    expect(curve.every((point, index) => index === 0 || point.step > curve[index - 1]!.step)).toBe(true);
  });

  it('keeps the numeric, finite figures for messages and manifests', () => {
    expect(numericMetrics({ loss: 1.5, steps: 3, merge: 'linear', new_blocks: [2, 5], nan: Number.NaN, none: null })).toEqual({ loss: 1.5, steps: 3 });
  });
});
