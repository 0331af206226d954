import { fixed } from '../format.js';
import { paragraph } from '../html.js';
import type { ReportSection } from '../report-section.js';
import type { RunReportData } from '../run-report-data.js';
import { htmlTable, markdownTable, type Table } from '../table.js';

/** Table 2 for the run: the EAGLE drafter's mean accepted length and speed-up drafting as a chain and as a tree, as its job measured them; absent without a drafter. */
export function drafterSection(data: RunReportData): ReportSection | undefined {
  const drafter = data.drafter;
  if (!drafter) return undefined;
  const table: Table = {
    header: ['drafting', 'mean accepted length', 'speed-up over plain decoding', 'decode tokens/s'],
    rows: drafter.methods.map((method) => [method.method, fixed(method.meanAcceptedLength, 2), method.speedup === undefined ? '–' : `${method.speedup.toFixed(2)}×`, fixed(method.tokensPerSecond, 1)]),
  };
  const facts = [
    drafter.plainTokensPerSecond === undefined ? undefined : `plain decoding ${drafter.plainTokensPerSecond.toFixed(1)} tokens/s`,
    drafter.sameOutput === undefined ? undefined : `${drafter.sameOutput}/${drafter.heldOutPrompts ?? '?'} held-out outputs unchanged`,
    drafter.draftTimeShare === undefined ? undefined : `${(drafter.draftTimeShare * 100).toFixed(0)}% of the time drafting`,
    drafter.trainLoss === undefined ? undefined : `final training loss ${drafter.trainLoss.toFixed(3)}`,
  ].filter((fact): fact is string => fact !== undefined);
  const line = `${drafter.drafterId} (job ${drafter.jobId})${facts.length ? `: ${facts.join('; ')}` : ''}.`;
  return { id: 'drafter', title: 'Table 2: the EAGLE drafter', markdown: [line, '', ...markdownTable(table)], html: [paragraph(line), htmlTable(table)].join('\n') };
}
