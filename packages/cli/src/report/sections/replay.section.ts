import { describeServed, replayTable } from '../../student-replay.js';
import { paragraph } from '../html.js';
import type { ReportSection } from '../report-section.js';
import type { RunReportData } from '../run-report-data.js';
import { htmlTable, type Table } from '../table.js';

/** Held-out conversations replayed through the agents on the student: teacher and student side by side (the table the run prints); absent without a replay. */
export function replaySection(data: RunReportData): ReportSection | undefined {
  const replay = data.replay;
  if (!replay) return undefined;
  const lines = replayTable(replay);
  const line = `${replay.version} served ${describeServed(replay.servedAs)}; ${replay.conversations} held-out conversations (never trained on) replayed turn by turn.`;
  return { id: 'replay', title: 'The student behind the agents: teacher and student side by side', markdown: [line, '', ...lines], html: [paragraph(line), htmlTable(tableOf(lines))].join('\n') };
}

/** replayTable's markdown lines (header, rule, rows) as a Table, so the page shows the same table. */
function tableOf(lines: readonly string[]): Table {
  const cells = (line: string) => line.replace(/^\|\s*|\s*\|$/g, '').split(/\s*\|\s*/);
  const [header = '', , ...rows] = lines;
  return { header: cells(header), rows: rows.map(cells) };
}
