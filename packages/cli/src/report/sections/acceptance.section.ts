import { figure, paragraph } from '../html.js';
import { drawPlot } from '../plot.js';
import type { ReportSection } from '../report-section.js';
import type { RunReportData } from '../run-report-data.js';
import { htmlTable, markdownTable, type Table } from '../table.js';

/** The share of drafts accepted at each draft position, as serving's engine counted them over the replay; absent when the student decoded without a drafter. */
export async function acceptanceSection(data: RunReportData): Promise<ReportSection | undefined> {
  const acceptance = data.acceptance;
  if (!acceptance || acceptance.rates.length === 0) return undefined;
  const table: Table = { header: ['draft position', 'accepted'], rows: acceptance.rates.map((rate, index) => [String(index + 1), rate.toFixed(2)]) };
  const line = `${acceptance.drafterId} during the replay: ${acceptance.rounds} drafts verified, mean accepted length ${acceptance.meanAcceptedLength.toFixed(2)}.`;
  const svg = await drawPlot('acceptance', {
    width: { step: 36 },
    height: 160,
    data: { values: acceptance.rates.map((rate, index) => ({ position: index + 1, rate })) },
    mark: { type: 'bar', color: '#2e86ab' },
    encoding: {
      x: { field: 'position', type: 'ordinal', title: 'draft position', axis: { labelAngle: 0 } },
      y: { field: 'rate', type: 'quantitative', title: 'share of drafts accepted', scale: { domain: [0, 1] } },
    },
  });
  return {
    id: 'acceptance',
    title: 'Acceptance by draft position',
    markdown: [line, '', ...markdownTable(table)],
    html: [paragraph(line), figure(svg, 'Share of the verified drafts whose token at each position the student accepted.'), htmlTable(table)].join('\n'),
  };
}
