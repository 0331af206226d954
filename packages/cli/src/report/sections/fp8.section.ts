import { fixed, inPaperClipUnit, megabytes } from '../format.js';
import { figure, paragraph } from '../html.js';
import { drawPlot } from '../plot.js';
import type { ReportSection } from '../report-section.js';
import type { RunReportData } from '../run-report-data.js';
import { htmlTable, markdownTable, type Table } from '../table.js';

/** The calibration sets' names as the paper's Figure 4 gives them. */
const SET_NAMES: Readonly<Record<string, string>> = { public: 'P (public)', 'in-domain': 'I (in-domain)', mixed: 'M (mixed)' };

/**
 * Figure 4 for the run: the FP8 activation clip rate by calibration set and length (in the paper's
 * ×10⁻⁵ %), then BF16 against FP8 (held-out exact match, weights on disk, greedy agreement) and how
 * serving served it; absent when nothing was quantized.
 */
export async function fp8Section(data: RunReportData): Promise<ReportSection | undefined> {
  const fp8 = data.fp8;
  if (!fp8) return undefined;
  const lengths = [...new Set(fp8.clipRates.map((rate) => rate.length))].sort((a, b) => a - b);
  const sets = [...new Set(fp8.clipRates.map((rate) => rate.set))];
  const rateOf = (set: string, length: number) => {
    const found = fp8.clipRates.find((rate) => rate.set === set && rate.length === length);
    return found ? inPaperClipUnit(found.clipRate) : undefined;
  };
  const clipTable: Table = {
    header: ['activation clip rate (×10⁻⁵ %) by calibration length', ...lengths.map(String)],
    rows: sets.map((set) => [SET_NAMES[set] ?? set, ...lengths.map((length) => fixed(rateOf(set, length), 1))]),
  };
  const against: Table = {
    header: ['', 'BF16', 'FP8'],
    rows: [
      ['held-out exact match', fixed(fp8.exactMatch.bf16, 3), fixed(fp8.exactMatch.fp8, 3)],
      [`weights on disk (student${fp8.withDrafter ? ' + drafter' : ''})`, megabytes(fp8.bytes.bf16), megabytes(fp8.bytes.fp8)],
    ],
  };
  const deployed = `${fp8.id}: ${fp8.format}, scales from the ${fp8.calibration.set} calibration (${fp8.calibration.samples} text${fp8.calibration.samples === 1 ? '' : 's'} of ${fp8.calibration.length ?? '?'} tokens), deployed clip rate ${fp8.deployedClipRate === null ? '–' : inPaperClipUnit(fp8.deployedClipRate).toFixed(1)} ×10⁻⁵ %.`;
  const after = `Greedy agreement (FP8 answers equal to BF16's): ${fixed(fp8.greedyAgreement, 2)}; ${megabytes(fp8.savedBytes)} saved.${fp8.served ? ` Serving served it ${fp8.served} for the replay.` : ''}`;
  const plot = fp8.clipRates.length
    ? figure(
        await drawPlot('clip-rates', {
          width: 420,
          height: 200,
          data: { values: fp8.clipRates.map((rate) => ({ set: SET_NAMES[rate.set] ?? rate.set, length: rate.length, clip: inPaperClipUnit(rate.clipRate) })) },
          mark: { type: 'line', point: { size: 40 } },
          encoding: {
            x: { field: 'length', type: 'quantitative', title: 'calibration length (tokens)', scale: { type: 'log', base: 2 }, axis: { values: lengths, format: 'd' } },
            y: { field: 'clip', type: 'quantitative', title: 'activation clip rate (×10⁻⁵ %)' },
            color: { field: 'set', type: 'nominal', title: 'calibration set' },
          },
        }),
        'Figure 4 for this run: the share of held-out activations an FP8 scale clips, by the calibration set and length the scales came from.',
      )
    : '';
  return {
    id: 'fp8',
    title: 'Figure 4: FP8 clip rate by calibration set and length',
    markdown: [deployed, '', ...(fp8.clipRates.length ? [...markdownTable(clipTable), ''] : []), ...markdownTable(against), '', after],
    html: [paragraph(deployed), plot, fp8.clipRates.length ? htmlTable(clipTable) : '', htmlTable(against), paragraph(after)].filter(Boolean).join('\n'),
  };
}
