import { describe, expect, it } from 'vitest';
import { QuantizerProgress } from './quantizer-progress.js';

const ts = '2026-12-06T18:54:01.307Z';

describe('a quantizer job’s progress', () => {
  it('folds the quantize protocol into the stage, its step, the clip rates by set, the evaluation and the acceptance', () => {
    const progress = new QuantizerProgress();
    expect(progress.takeChanged()).toBeUndefined();
    progress.calibration('computed');
    progress.apply({ event: 'stage_start', ts, stage: 'calibrate:mixed@32' });
    progress.apply({ event: 'progress', ts, step: 1, total: 2, elapsed_s: 0.3, eta_s: 0.3, what: 'mixed@32' });
    expect(progress.takeChanged()).toMatchObject({ stage: 'calibrate:mixed@32', step: 1, total: 2, loss: null, progress: { step: 1, what: 'mixed@32', at: ts }, results: { calibration: 'computed' } });
    expect(progress.takeChanged()).toBeUndefined();
    progress.apply({ event: 'stage_start', ts, stage: 'clip-rates' });
    expect(progress.snapshot).toMatchObject({ stage: 'clip-rates', step: null, total: null, progress: null });
    progress.apply({ event: 'clip_rates', ts, set: 'public', '16': 2.9e-4, '32': 1.1e-4 });
    progress.apply({ event: 'clip_rates', ts, set: 'mixed', '16': 3e-4, '32': Number.NaN });
    progress.apply({ event: 'evaluated', ts, greedy_agreement: 0.5, 'bf16.held_out_loss': 1.75, 'fp8.held_out_loss': 1.79, 'fp8.tokens_per_s': 25.9 });
    progress.apply({ event: 'acceptance', ts, drafter: 'bf16_drafter', mean_accepted_length: 1.86, same_output: 2, prompts: 2 });
    progress.apply({ event: 'acceptance', ts, drafter: 'fp8_drafter', mean_accepted_length: 1.8, same_output: 2, prompts: 2 });
    progress.apply({ event: 'done', ts, manifest: '/data/quantizer/job_1/fp8/manifest.json' });
    expect(progress.takeChanged()!.results).toEqual({
      calibration: 'computed',
      clipRates: { public: { '16': 2.9e-4, '32': 1.1e-4 }, mixed: { '16': 3e-4 } },
      evaluated: { greedy_agreement: 0.5, 'bf16.held_out_loss': 1.75, 'fp8.held_out_loss': 1.79, 'fp8.tokens_per_s': 25.9 },
      acceptance: { bf16_drafter: { mean_accepted_length: 1.86, same_output: 2, prompts: 2 }, fp8_drafter: { mean_accepted_length: 1.8, same_output: 2, prompts: 2 } },
    });
    progress.markUnwritten();
    expect(progress.takeChanged()).toBeDefined();
  });

  it('goes on from the figures a resumed job had', () => {
    const progress = new QuantizerProgress({ results: { calibration: 'computed', clipRates: { mixed: { '32': 1e-4 } }, evaluated: null, acceptance: {} } });
    progress.calibration('reused');
    progress.apply({ event: 'clip_rates', ts, set: 'public', '32': 2e-4 });
    expect(progress.snapshot.results).toEqual({ calibration: 'reused', clipRates: { mixed: { '32': 1e-4 }, public: { '32': 2e-4 } }, evaluated: null, acceptance: {} });
  });
});
