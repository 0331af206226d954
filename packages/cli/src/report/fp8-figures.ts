import { fp8Figures, fp8IdOf } from '@distillery/serving';
import type { QuantizedStudent } from '../loop-stages.js';
import { describeServed, type StudentReplay } from '../student-replay.js';
import type { ClipRate, Fp8Report } from './run-report-data.js';

const finite = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** `exact match 0.50 BF16, 0.50 FP8; greedy agreement 0.75; 130 MB saved; drafter acceptance 3.35 BF16, 3.10 FP8` */
export function describeFp8(quantized: QuantizedStudent): string {
  const f = fp8Figures(quantized.manifest);
  const figure = (value: number | null, digits: number) => (value === null ? '–' : value.toFixed(digits));
  const drafter = quantized.fp8.drafter ? `; drafter's mean accepted length on the FP8 student ${figure(f.bf16DrafterAcceptance, 2)} BF16, ${figure(f.fp8DrafterAcceptance, 2)} FP8 (${figure(f.fp8DrafterSpeedup, 2)}x plain FP8)` : '';
  return `exact match ${figure(f.bf16ExactMatch, 2)} BF16, ${figure(f.fp8ExactMatch, 2)} FP8; greedy agreement ${figure(f.greedyAgreement, 2)}; ${f.savedBytes === null ? '–' : (f.savedBytes / 1e6).toFixed(0)} MB saved${drafter}`;
}

/** The report's FP8 data from the quantize run's manifest: clip rates by set and length (`sweep.sets`), BF16 against FP8, bytes, and how serving served it. */
export function fp8ReportOf(quantized: QuantizedStudent, replay: StudentReplay | undefined): Fp8Report {
  const { manifest, fp8 } = quantized;
  const f = fp8Figures(manifest);
  const clipRates: ClipRate[] = Object.entries(manifest.sweep?.sets ?? {}).flatMap(([set, byLength]) =>
    Object.entries(byLength).flatMap(([length, rates]) => (finite(rates.clip_rate) && Number.isFinite(Number(length)) ? [{ set, length: Number(length), clipRate: rates.clip_rate }] : [])),
  );
  const memory = manifest.memory ?? {};
  // the student's bytes, and its drafter's when one was quantized with it
  const bytes = (student: unknown, drafter: unknown) => (finite(student) ? student + (fp8.drafter && finite(drafter) ? drafter : 0) : null);
  const length = manifest.calibration?.length;
  return {
    id: fp8IdOf(fp8),
    format: fp8.format,
    calibration: { set: fp8.calibration.set, samples: fp8.calibration.samples, length: finite(length) ? length : null },
    deployedClipRate: f.clipRate,
    clipRates,
    exactMatch: { bf16: f.bf16ExactMatch, fp8: f.fp8ExactMatch },
    greedyAgreement: f.greedyAgreement,
    bytes: { bf16: bytes(memory.bf16_bytes, memory.drafter_bf16_bytes), fp8: bytes(memory.fp8_bytes, memory.drafter_fp8_bytes) },
    savedBytes: f.savedBytes,
    withDrafter: Boolean(fp8.drafter),
    ...(replay ? { served: describeServed(replay.servedAs) } : {}),
  };
}
