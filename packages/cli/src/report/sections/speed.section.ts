import { fixed } from '../format.js';
import { paragraph } from '../html.js';
import type { ReportSection } from '../report-section.js';
import type { RunReportData } from '../run-report-data.js';
import { htmlTable, markdownTable, type Table } from '../table.js';

const NOTE = 'Only what this run measured: each row names the job that measured it, on its own prompts and load; compare rows of the same job.';

/** Table 1 for the run: decoding speed, mean accepted length and speed-up of each system the run measured; absent when it measured none. */
export function speedSection(data: RunReportData): ReportSection | undefined {
  const rows = data.speed ?? [];
  if (rows.length === 0) return undefined;
  const table: Table = {
    header: ['system', 'decode tokens/s', 'mean accepted length', 'speed-up', 'measured by'],
    rows: rows.map((row) => [row.system, fixed(row.tokensPerSecond, 1), fixed(row.meanAcceptedLength, 2), row.speedup ? `${row.speedup.value.toFixed(2)}× ${row.speedup.over}` : '–', row.measuredBy]),
  };
  return { id: 'speed', title: 'Table 1: speed', markdown: [NOTE, '', ...markdownTable(table)], html: [paragraph(NOTE), htmlTable(table)].join('\n') };
}
