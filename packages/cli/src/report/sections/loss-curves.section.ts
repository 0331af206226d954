import { fixed } from '../format.js';
import { figure } from '../html.js';
import { drawPlot } from '../plot.js';
import type { ReportSection } from '../report-section.js';
import type { RunReportData } from '../run-report-data.js';
import { htmlTable, markdownTable, type Table } from '../table.js';

/** The training loss of every stage that trained, step by step (one panel a stage, each on its own scales); absent when no stage recorded a curve. */
export async function lossCurvesSection(data: RunReportData): Promise<ReportSection | undefined> {
  const trained = (data.training?.stages ?? []).filter((stage) => stage.curve.length > 0);
  if (trained.length === 0) return undefined;
  const table: Table = {
    header: ['stage', 'points', 'steps', 'first loss', 'last loss', 'train loss (last steps\' mean)', 'held-out loss'],
    rows: trained.map(({ stage, curve, metrics }) => [
      stage,
      String(curve.length),
      `${curve[0]!.step}–${curve.at(-1)!.step}`,
      fixed(curve[0]!.loss, 3),
      fixed(curve.at(-1)!.loss, 3),
      fixed(metrics.train_loss, 3),
      fixed(metrics.held_out_loss, 3),
    ]),
  };
  const svg = await drawPlot('loss-curves', {
    data: { values: trained.flatMap(({ stage, curve }) => curve.map((point) => ({ stage, step: point.step, loss: point.loss }))) },
    facet: { column: { field: 'stage', type: 'nominal', sort: trained.map(({ stage }) => stage), title: null } },
    resolve: { scale: { x: 'independent', y: 'independent' } },
    spec: {
      width: 220,
      height: 160,
      mark: { type: 'line', point: { size: 16 }, strokeWidth: 1.5 },
      encoding: {
        x: { field: 'step', type: 'quantitative', title: 'optimizer step', axis: { tickMinStep: 1 } },
        y: { field: 'loss', type: 'quantitative', title: 'training loss', scale: { zero: false } },
        color: { field: 'stage', type: 'nominal', legend: null, sort: trained.map(({ stage }) => stage) },
      },
    },
  });
  return {
    id: 'loss-curves',
    title: 'Loss curves per training stage',
    markdown: [`The trainer's job ${data.training!.jobId}: each stage's training loss from its progress lines.`, '', ...markdownTable(table)],
    html: [figure(svg, `Training loss by optimizer step, per stage (the trainer's job ${data.training!.jobId}; each panel on its own scales).`), htmlTable(table)].join('\n'),
  };
}
