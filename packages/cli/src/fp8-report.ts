import { fp8Figures, fp8IdOf } from '@distillery/serving';
import type { QuantizedStudent } from './loop-stages.js';
import { describeServed, type StudentReplay } from './student-replay.js';

/** `exact match 0.50 BF16, 0.50 FP8; greedy agreement 0.75; 130 MB saved; drafter acceptance 3.35 BF16, 3.10 FP8` */
export function describeFp8(quantized: QuantizedStudent): string {
  const f = fp8Figures(quantized.manifest);
  const figure = (value: number | null, digits: number) => (value === null ? '–' : value.toFixed(digits));
  const drafter = quantized.fp8.drafter ? `; drafter's mean accepted length on the FP8 student ${figure(f.bf16DrafterAcceptance, 2)} BF16, ${figure(f.fp8DrafterAcceptance, 2)} FP8 (${figure(f.fp8DrafterSpeedup, 2)}x plain FP8)` : '';
  return `exact match ${figure(f.bf16ExactMatch, 2)} BF16, ${figure(f.fp8ExactMatch, 2)} FP8; greedy agreement ${figure(f.greedyAgreement, 2)}; ${f.savedBytes === null ? '–' : (f.savedBytes / 1e6).toFixed(0)} MB saved${drafter}`;
}

/** The FP8 section of the report: clip rates by calibration set and length (a short run of the paper's Figure 4), BF16 against FP8, memory, the drafters' acceptance. */
export function fp8Section(quantized: QuantizedStudent, replay: StudentReplay | undefined): string[] {
  const { manifest, fp8 } = quantized;
  const f = fp8Figures(manifest);
  const sets = manifest.sweep?.sets ?? {};
  const lengths = [...new Set(Object.values(sets).flatMap((byLength) => Object.keys(byLength)))].sort((a, b) => Number(a) - Number(b));
  const names: Record<string, string> = { public: 'P (public)', 'in-domain': 'I (in-domain)', mixed: 'M (mixed)' };
  // ×10⁻⁵ %, the paper's unit: a fraction × 10⁷
  const clip = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? (value * 1e7).toFixed(1) : '–');
  const figure = (value: number | null, digits: number) => (value === null ? '–' : value.toFixed(digits));
  const bytes = (...values: unknown[]) => (typeof values[0] === 'number' ? `${(values.reduce((sum: number, value) => sum + (typeof value === 'number' ? value : 0), 0) / 1e6).toFixed(0)} MB` : '–');
  const memory = manifest.memory ?? {};
  return [
    '## FP8 (a short run of the paper\'s Figure 4)',
    '',
    `${fp8IdOf(fp8)}: ${fp8.format}, scales from the ${fp8.calibration.set} calibration (${fp8.calibration.samples} texts of ${String(manifest.calibration?.length ?? '?')} tokens), deployed clip rate ${clip(f.clipRate)} ×10⁻⁵ %.`,
    '',
    `| activation clip rate (×10⁻⁵ %) by calibration length | ${lengths.join(' | ')} |`,
    `|---|${lengths.map(() => '---').join('|')}|`,
    ...Object.entries(sets).map(([set, byLength]) => `| ${names[set] ?? set} | ${lengths.map((length) => clip(byLength[length]?.clip_rate)).join(' | ')} |`),
    '',
    '| | BF16 | FP8 |',
    '|---|---|---|',
    `| held-out exact match | ${figure(f.bf16ExactMatch, 3)} | ${figure(f.fp8ExactMatch, 3)} |`,
    `| weights on disk (student${fp8.drafter ? ' + drafter' : ''}) | ${bytes(memory.bf16_bytes, memory.drafter_bf16_bytes)} | ${bytes(memory.fp8_bytes, memory.drafter_fp8_bytes)} |`,
    ...(fp8.drafter ? [`| drafter's mean accepted length on the FP8 student | ${figure(f.bf16DrafterAcceptance, 2)} | ${figure(f.fp8DrafterAcceptance, 2)} |`] : []),
    '',
    `Greedy agreement (FP8 answers equal to BF16's): ${figure(f.greedyAgreement, 2)}; ${bytes(f.savedBytes)} saved${fp8.drafter ? `; the FP8 drafter decodes at ${figure(f.fp8DrafterSpeedup, 2)}x plain FP8 decoding` : ''}.` +
      (replay ? ` Serving served ${replay.version} ${describeServed(replay.servedAs)} for the replay.` : ''),
    '',
  ];
}
