import { describe, expect, it } from 'vitest';
import { describeFp8, fp8ReportOf } from './fp8-figures.js';
import { fixtureQuantized, fixtureReplay } from './testing/run-report.fixture.js';

describe('the run’s FP8 figures', () => {
  it('sums them up in a line', () => {
    expect(describeFp8(fixtureQuantized)).toBe("exact match 0.50 BF16, 0.50 FP8; greedy agreement 0.50; 136 MB saved; drafter's mean accepted length on the FP8 student 3.35 BF16, 3.10 FP8 (0.50x plain FP8)");
    expect(describeFp8({ ...fixtureQuantized, manifest: {} })).toBe('exact match – BF16, – FP8; greedy agreement –; – MB saved; drafter\'s mean accepted length on the FP8 student – BF16, – FP8 (–x plain FP8)');
  });

  it('reads the report’s FP8 data from the quantize manifest: clip rates by set and length (no figure, no point), BF16 against FP8, how serving served it', () => {
    const report = fp8ReportOf(fixtureQuantized, fixtureReplay);
    expect(report.clipRates).toEqual([
      { set: 'public', length: 32, clipRate: 6.28e-5 },
      { set: 'public', length: 256, clipRate: 8.9e-6 },
      { set: 'mixed', length: 32, clipRate: 4e-5 },
      { set: 'mixed', length: 256, clipRate: 1.04e-5 },
    ]);
    expect(report).toMatchObject({
      calibration: { set: 'mixed', samples: 1, length: 256 },
      deployedClipRate: 1.04e-5,
      exactMatch: { bf16: 0.5, fp8: 0.5 },
      bytes: { bf16: 318_629_016 + 12_605_352, fp8: 187_742_320 + 7_519_688 },
      withDrafter: true,
      served: 'in FP8 (calibration mixed, 1 sample) with drafter eagle_0007',
    });
    const { drafter: _drafter, drafterId: _drafterId, ...studentAlone } = fixtureQuantized.fp8;
    const alone = fp8ReportOf({ ...fixtureQuantized, fp8: studentAlone }, undefined);
    expect([alone.bytes, alone.withDrafter, alone.served]).toEqual([{ bf16: 318_629_016, fp8: 187_742_320 }, false, undefined]);
  });
});
