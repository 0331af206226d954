import { checkpointFp8Contract, type CheckpointFp8 } from '@distillery/contracts';
import type { QuantizerManifest } from '@distillery/serving';
import { describe, expect, it } from 'vitest';
import { describeFp8, fp8Section } from './fp8-report.js';
import type { QuantizedStudent } from './loop-stages.js';
import type { StudentReplay } from './student-replay.js';

/** A quantize run's manifest.json as the compute plane writes it, trimmed to what the report reads. */
const manifest: QuantizerManifest = {
  calibration: { set: 'mixed', length: 256, samples: 1 },
  clip_rates: { total: 1.04e-5 },
  sweep: { sets: { public: { '32': { clip_rate: 6.28e-5 }, '256': { clip_rate: 8.9e-6 } }, mixed: { '256': { clip_rate: 1.04e-5 }, '32': { clip_rate: 4e-5 } } } },
  metrics: { bf16: { exact_match: 0.5 }, fp8: { exact_match: 0.5 }, greedy_agreement: 0.5, decode: { fp8: { tokens_per_s: 20 } } },
  acceptance: { bf16_drafter: { mean_accepted_length: 3.35 }, fp8_drafter: { mean_accepted_length: 3.1, tokens_per_s: 10, spec: { method: 'chain' } } },
  memory: { bf16_bytes: 318_629_016, fp8_bytes: 187_742_320, drafter_bf16_bytes: 12_605_352, drafter_fp8_bytes: 7_519_688, saved_bytes: 135_972_360 },
};
const fp8: CheckpointFp8 = { ...checkpointFp8Contract.example, calibration: { set: 'mixed', samples: 1 } };
const quantized: QuantizedStudent = { jobId: 'job_1', fp8, manifest };

describe('the run report’s FP8 figures', () => {
  it('sums them up in a line', () => {
    expect(describeFp8(quantized)).toBe("exact match 0.50 BF16, 0.50 FP8; greedy agreement 0.50; 136 MB saved; drafter's mean accepted length on the FP8 student 3.35 BF16, 3.10 FP8 (0.50x plain FP8)");
    expect(describeFp8({ ...quantized, manifest: {} })).toBe('exact match – BF16, – FP8; greedy agreement –; – MB saved; drafter\'s mean accepted length on the FP8 student – BF16, – FP8 (–x plain FP8)');
  });

  it('tables the clip rates by set and length in the paper’s unit, BF16 against FP8, and what serving served', () => {
    const replay = { version: 'student-dealership@ckpt_0007', servedAs: { precision: 'fp8', calibration: { set: 'mixed', samples: 1 }, drafterId: null, refusals: ['FP8 drafter of fp8_111111111111 refused: too slow'] } } as unknown as StudentReplay;
    const section = fp8Section(quantized, replay).join('\n');
    expect(section).toContain('| activation clip rate (×10⁻⁵ %) by calibration length | 32 | 256 |');
    expect(section).toContain('| P (public) | 628.0 | 89.0 |');
    expect(section).toContain('| M (mixed) | 400.0 | 104.0 |');
    expect(section).toContain('| held-out exact match | 0.500 | 0.500 |');
    expect(section).toContain('| weights on disk (student + drafter) | 331 MB | 195 MB |');
    expect(section).toContain("| drafter's mean accepted length on the FP8 student | 3.35 | 3.10 |");
    expect(section).toContain('Serving served student-dealership@ckpt_0007 in FP8 (calibration mixed, 1 sample) without a drafter (FP8 drafter of fp8_111111111111 refused: too slow) for the replay.');
  });
});
