import { describe, expect, it } from 'vitest';
import { fp8DrafterRefusal, fp8Figures, fp8QualityRefusal, type QuantizerManifest } from './fp8-gate.js';

/** The figures of a quantize run's manifest.json (compute/distillery_compute/fp8/job.py), trimmed to what serving reads. */
const manifest = (change: { bf16?: number; fp8?: number; drafterRate?: number; method?: string } = {}): QuantizerManifest => ({
  target: { weights_sha256: 'a'.repeat(64) },
  student: { weights_sha256: 'b'.repeat(64) },
  clip_rates: { total: 1.04e-5 },
  metrics: {
    bf16: { exact_match: change.bf16 ?? 0.5 },
    fp8: { exact_match: change.fp8 ?? 0.5 },
    greedy_agreement: 0.75,
    decode: { bf16: { tokens_per_s: 12 }, fp8: { tokens_per_s: 10 } },
  },
  acceptance: {
    bf16_drafter: { mean_accepted_length: 3.35, tokens_per_s: 17.85, spec: { method: 'chain' } },
    fp8_drafter: { mean_accepted_length: 3.1, tokens_per_s: change.drafterRate ?? 16, spec: { method: change.method ?? 'chain' } },
  },
  memory: { bf16_bytes: 318_629_016, fp8_bytes: 187_742_320, saved_bytes: 135_972_360 },
});

describe('the FP8 gate', () => {
  it('reads the quantizer’s figures, the FP8 drafter’s speed-up over plain FP8 decoding among them', () => {
    expect(fp8Figures(manifest())).toEqual({
      bf16ExactMatch: 0.5,
      fp8ExactMatch: 0.5,
      greedyAgreement: 0.75,
      clipRate: 1.04e-5,
      savedBytes: 135_972_360,
      bf16DrafterAcceptance: 3.35,
      fp8DrafterAcceptance: 3.1,
      fp8DrafterSpeedup: 1.6,
      fp8DrafterMethod: 'chain',
    });
    expect(fp8Figures({ metrics: { bf16: { exact_match: 'high' } }, acceptance: null })).toMatchObject({ bf16ExactMatch: null, fp8DrafterSpeedup: null, fp8DrafterMethod: null });
  });

  it('serves FP8 within the tolerance of BF16’s exact match and refuses it below, naming the figures', () => {
    expect(fp8QualityRefusal(fp8Figures(manifest({ bf16: 0.5, fp8: 0.6 })), 0.05)).toBeNull();
    expect(fp8QualityRefusal(fp8Figures(manifest({ bf16: 0.2, fp8: 0.15 })), 0.05)).toBeNull(); // exactly at the bound (0.2 - 0.05 is 0.15000000000000002 in floats)
    expect(fp8QualityRefusal(fp8Figures(manifest({ bf16: 0.75, fp8: 0.5 })), 0.3)).toBeNull();
    expect(fp8QualityRefusal(fp8Figures(manifest({ bf16: 0.75, fp8: 0.5 })), 0.05)).toBe(
      'exact match 0.500 in FP8 against 0.750 in BF16, below the BF16 figure less DISTILLERY_SERVING_FP8_TOLERANCE 0.05',
    );
    expect(fp8QualityRefusal(fp8Figures(manifest({ bf16: 0.75, fp8: 0.74 })), 0)).toMatch(/0\.740 in FP8 against 0\.750/);
  });

  it('refuses an FP8 version whose manifest gives no exact match to compare', () => {
    expect(fp8QualityRefusal(fp8Figures({ metrics: { fp8: { exact_match: 0.5 } } }), 0.05)).toMatch(/no metrics\.bf16\.exact_match/);
    expect(fp8QualityRefusal(fp8Figures({ metrics: { bf16: { exact_match: 0.5 } } }), 1)).toMatch(/no metrics\.fp8\.exact_match/);
  });

  it('refuses an FP8 drafter measured slower than DISTILLERY_SERVING_MIN_DRAFTER_SPEEDUP for the method served, and only then', () => {
    const slow = fp8Figures(manifest({ drafterRate: 6.8 }));
    expect(fp8DrafterRefusal(slow, 'chain', 1)).toBe(
      'the quantizer measured the FP8 drafter at 0.68x plain FP8 decoding as a chain, below DISTILLERY_SERVING_MIN_DRAFTER_SPEEDUP 1: it would slow the version down',
    );
    expect(fp8DrafterRefusal(slow, 'chain', 0.5)).toBeNull();
    expect(fp8DrafterRefusal(slow, 'tree', 1)).toBeNull(); // measured as a chain: no figure for a tree
    expect(fp8DrafterRefusal(fp8Figures(manifest()), 'chain', 1)).toBeNull();
    expect(fp8DrafterRefusal(fp8Figures({ acceptance: null }), 'chain', 1)).toBeNull();
  });
});
