import { describe, expect, it } from 'vitest';
import { DrafterProgress } from './drafter-progress.js';

const ts = '2026-12-06T15:00:00.000Z';

describe('a drafter job’s progress', () => {
  it('folds the drafter protocol into the stage, its step, and the figures by set and by variant, without file paths', () => {
    const progress = new DrafterProgress();
    expect(progress.takeChanged()).toBeUndefined();
    progress.apply({ event: 'stage_start', ts, stage: 'data:external' });
    progress.apply({ event: 'progress', ts, step: 6, total: 12, elapsed_s: 8.7, eta_s: 8, kept: 6, skipped: 0 });
    expect(progress.takeChanged()).toMatchObject({ stage: 'data:external', step: 6, total: 12, loss: null, progress: { step: 6, kept: 6, at: ts } });
    expect(progress.takeChanged()).toBeUndefined();
    progress.apply({ event: 'data', ts, examples: 6, skipped: 0, answer_tokens: 144, tokens: 233, bytes: 121_393, sets: ['external'] });
    progress.apply({ event: 'stage_start', ts, stage: 'train:combined' });
    progress.apply({ event: 'resumed', ts, step: 3 });
    progress.apply({ event: 'start', ts, examples: 12, steps: 6, trainable_params: 61_696, target_params: 345_152, draft_vocab_size: 64, answer_coverage: 0.58 });
    progress.apply({ event: 'progress', ts, step: 4, total: 6, loss: 16.4, lr: 2e-5, accuracy: [0.02, 0] });
    progress.apply({ event: 'progress', ts, step: 5, total: 6, loss: Number.NaN });
    expect(progress.snapshot).toMatchObject({ stage: 'train:combined', step: 5, total: 6, loss: 16.4 });
    progress.apply({ event: 'drafter', ts, path: '/data/drafter/job_1/eagle/drafters/combined/drafter', loss: 16.1, accuracy_by_step: [0.02, 0.01] });
    progress.apply({ event: 'stage_start', ts, stage: 'evaluate:combined:tree' });
    progress.apply({ event: 'evaluated', ts, variant: 'combined', method: 'tree', mean_accepted_length: 1.03, acceptance_by_position: [0.03, 0], speedup: 0.37, same_output: 3 });
    const { results, loss } = progress.takeChanged()!;
    expect(loss).toBeNull();
    expect(results.data).toEqual({ external: { examples: 6, skipped: 0, answer_tokens: 144, tokens: 233, bytes: 121_393, sets: ['external'] } });
    expect(results.variants).toEqual({
      combined: {
        resumedAt: 3,
        train: { examples: 12, steps: 6, trainable_params: 61_696, target_params: 345_152, draft_vocab_size: 64, answer_coverage: 0.58 },
        final: { loss: 16.1, accuracy_by_step: [0.02, 0.01] },
        tree: { mean_accepted_length: 1.03, acceptance_by_position: [0.03, 0], speedup: 0.37, same_output: 3 },
      },
    });
    expect(JSON.stringify(results)).not.toContain('/data/');
    progress.markUnwritten();
    expect(progress.takeChanged()).toBeDefined();
  });

  it('goes on from the figures a resumed job had', () => {
    const progress = new DrafterProgress({ results: { data: { 'in-domain': { examples: 6 } }, variants: { combined: { final: { loss: 2 } } } } });
    progress.apply({ event: 'stage_start', ts, stage: 'evaluate:combined:chain' });
    progress.apply({ event: 'evaluated', ts, variant: 'combined', method: 'chain', mean_accepted_length: 1.5 });
    expect(progress.snapshot.results).toEqual({ data: { 'in-domain': { examples: 6 } }, variants: { combined: { final: { loss: 2 }, chain: { mean_accepted_length: 1.5 } } } });
  });
});
