import { escapeHtml } from '../html.js';
import type { ReportSection } from '../report-section.js';
import type { RunReportData } from '../run-report-data.js';
import { htmlTable, markdownTable, type Table } from '../table.js';

/** The run in a few lines (mode, health, compute, campaign, time) and every stage of the flow: run, with what it did, or not implemented yet. */
export function summarySection(data: RunReportData): ReportSection {
  const { overview } = data;
  const facts: Array<[string, string]> = [
    ['run', overview.runId],
    ['started', overview.startedAt],
    ...(overview.elapsed ? ([['took', overview.elapsed]] as Array<[string, string]>) : []),
    ['mode', overview.mode],
    ['platform health', overview.health],
    ['compute plane', overview.compute],
    ...(overview.campaign ? ([['simulator campaign', overview.campaign]] as Array<[string, string]>) : []),
  ];
  const ran = overview.stages.filter((stage) => stage.state === 'run').length;
  const stages: Table = {
    header: ['stage', 'state', 'what it did'],
    rows: overview.stages.map((stage) => [stage.name, stage.state === 'run' ? 'run' : 'not implemented yet', stage.note ?? '']),
  };
  const count = `${ran} stages run, ${overview.stages.length - ran} not implemented yet.`;
  return {
    id: 'summary',
    title: 'Run summary',
    markdown: [...facts.map(([name, value]) => `- ${name}: ${value}`), '', count, '', ...markdownTable(stages)],
    html: [
      `<dl class="facts">${facts.map(([name, value]) => `<dt>${escapeHtml(name)}</dt><dd>${escapeHtml(value)}</dd>`).join('')}</dl>`,
      `<p>${escapeHtml(count)}</p>`,
      htmlTable(stages).replace(/<td>not implemented yet<\/td>/g, '<td class="missing">not implemented yet</td>'),
    ].join('\n'),
  };
}
