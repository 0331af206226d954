import { withInterval } from '../format.js';
import { figure } from '../html.js';
import { drawPlot } from '../plot.js';
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
  const svg = await drawPlot('agent-quality', {
    data: { values },
    // a panel a metric, each on its own scale: a rate on 0–1 (so that a stage at zero still reads as zero), anything else from zero
    concat: metrics.map((metric) => ({
      title: metric,
      transform: [{ filter: { field: 'metric', equal: metric } }],
      width: { step: 18 },
      height: 150,
      encoding: {
        x: { field: 'agent', type: 'nominal', title: null, axis: { labelAngle: 0 } },
        xOffset: { field: 'subject', type: 'nominal', sort: subjects },
      },
      layer: [
        {
          mark: 'bar',
          encoding: {
            y: { field: 'mean', type: 'quantitative', title: null, ...(isRate(metric, quality) ? { scale: { domain: [0, 1] } } : {}) },
            color: { field: 'subject', type: 'nominal', sort: subjects, title: null, legend: { orient: 'top', direction: 'horizontal' } },
          },
        },
        {
          transform: [{ filter: 'datum.low !== null && datum.high !== null' }],
          mark: { type: 'rule', color: '#222', strokeWidth: 1.2 },
          encoding: { y: { field: 'low', type: 'quantitative' }, y2: { field: 'high' } },
        },
      ],
    })),
    columns: 3,
    resolve: { scale: { x: 'independent', y: 'independent' } },
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

/** A metric whose every figure (and interval) lies in 0–1 and that is not a loss: drawn on 0–1. */
function isRate(metric: string, quality: readonly AgentQuality[]): boolean {
  const figures = quality.filter((point) => point.metric === metric).flatMap((point) => [point.mean, point.low ?? 0, point.high ?? 0]);
  return !/loss/.test(metric) && figures.every((figure) => figure >= 0 && figure <= 1);
}

function distinct(values: readonly string[]): string[] {
  return [...new Set(values)];
}
