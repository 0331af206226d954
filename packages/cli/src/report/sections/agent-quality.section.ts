import { withInterval } from '../format.js';
import { figure } from '../html.js';
import { renderPlot } from '../plot.js';
import type { ReportSection } from '../report-section.js';
import type { AgentQuality, RunReportData } from '../run-report-data.js';
import { htmlTable, markdownTable, type Table } from '../table.js';

/**
 * Figure 3 for the run: each metric of each agent, one bar per subject (a training stage, the teacher,
 * a deployable) in the order the data gives them, with its 95% interval as an error bar where the
 * metric has one (packages/evaluation's summaries); absent without any figure.
 */
export async function agentQualitySection(data: RunReportData): Promise<ReportSection | undefined> {
  const quality = data.quality ?? [];
  if (quality.length === 0) return undefined;
  const subjects = distinct(quality.map((point) => point.subject));
  const metrics = distinct(quality.map((point) => point.metric));
  const lines = distinct(quality.map((point) => `${point.metric}\u0000${point.agent}`)).map((key) => key.split('\u0000') as [string, string]);
  const find = (metric: string, agent: string, subject: string) => quality.find((point) => point.metric === metric && point.agent === agent && point.subject === subject);
  const cell = (point: AgentQuality | undefined) => (point ? withInterval(point.mean, point.low, point.high) : '–');
  const table: Table = {
    header: ['metric', 'agent', ...subjects],
    rows: lines.map(([metric, agent]) => [metric, agent, ...subjects.map((subject) => cell(find(metric, agent, subject)))]),
  };
  const values = quality.map((point) => ({ ...point, low: point.low ?? null, high: point.high ?? null }));
  const svg = await renderPlot('agent-quality', {
    data: { values },
    facet: { field: 'metric', type: 'nominal', sort: metrics, title: null, header: { labelFontSize: 12 } },
    columns: Math.min(3, metrics.length),
    resolve: { scale: { x: 'independent', y: 'independent' } },
    spec: {
      // an agent's group of bars: 18 px a subject, at least 48
      width: { step: Math.max(48, 18 * subjects.length) },
      height: 150,
      encoding: {
        x: { field: 'agent', type: 'nominal', title: null, axis: { labelAngle: 0 } },
        xOffset: { field: 'subject', type: 'nominal', sort: subjects },
      },
      layer: [
        {
          mark: 'bar',
          encoding: {
            y: { field: 'mean', type: 'quantitative', title: null },
            color: { field: 'subject', type: 'nominal', sort: subjects, title: null, legend: { orient: 'top', direction: 'horizontal' } },
            tooltip: [{ field: 'subject' }, { field: 'agent' }, { field: 'mean', format: '.3f' }, { field: 'n' }],
          },
        },
        {
          transform: [{ filter: 'datum.low !== null && datum.high !== null' }],
          mark: { type: 'rule', color: '#222', strokeWidth: 1.2 },
          encoding: { y: { field: 'low', type: 'quantitative' }, y2: { field: 'high' } },
        },
      ],
    },
  });
  const intervals = quality.some((point) => point.low !== undefined && point.high !== undefined);
  const note = `${subjects.join(', ')}: ${metrics.length} metric${metrics.length === 1 ? '' : 's'} by agent${intervals ? '; [low, high] is the 95% interval' : ''}. A metric named …loss is lower-better.`;
  return {
    id: 'agent-quality',
    title: 'Figure 3: quality per agent, per stage',
    markdown: [note, '', ...markdownTable(table)],
    html: [figure(svg, `Per agent, one bar per ${subjects.length > 1 ? 'stage' : 'subject'}${intervals ? ', error bars the 95% interval' : ''}; each metric on its own scale (…loss: lower is better).`), htmlTable(table)].join('\n'),
  };
}

function distinct(values: readonly string[]): string[] {
  return [...new Set(values)];
}
