import { fixed } from '../format.js';
import { figure } from '../html.js';
import { drawPlot } from '../plot.js';
import type { ReportSection } from '../report-section.js';
import type { RunReportData } from '../run-report-data.js';
import { htmlTable, markdownTable, type Table } from '../table.js';

/** DPO's reward margin (chosen less rejected implicit reward) step by step; absent when the DPO stage recorded none. */
export async function dpoMarginSection(data: RunReportData): Promise<ReportSection | undefined> {
  const dpo = data.training?.stages.find((stage) => stage.stage === 'dpo');
  const points = (dpo?.curve ?? []).filter((point) => point.rewardMargin !== undefined);
  if (!dpo || points.length === 0) return undefined;
  const table: Table = {
    header: ['', 'reward margin'],
    rows: [
      [`first step (${points[0]!.step})`, fixed(points[0]!.rewardMargin, 4)],
      [`last step (${points.at(-1)!.step})`, fixed(points.at(-1)!.rewardMargin, 4)],
      ['last steps\' mean', fixed(dpo.metrics.reward_margin, 4)],
      ['preference accuracy, last steps\' mean', fixed(dpo.metrics.preference_accuracy, 2)],
    ],
  };
  const svg = await drawPlot('dpo-margin', {
    width: 420,
    height: 180,
    layer: [
      { data: { values: [{ zero: 0 }] }, mark: { type: 'rule', color: '#999', strokeDash: [4, 3] }, encoding: { y: { field: 'zero', type: 'quantitative' } } },
      {
        data: { values: points.map((point) => ({ step: point.step, margin: point.rewardMargin })) },
        mark: { type: 'line', point: { size: 16, color: '#c0392b' }, color: '#c0392b' },
        encoding: {
          x: { field: 'step', type: 'quantitative', title: 'DPO optimizer step', axis: { tickMinStep: 1 } },
          y: { field: 'margin', type: 'quantitative', title: 'reward margin (chosen − rejected)' },
        },
      },
    ],
  });
  return {
    id: 'dpo-margin',
    title: 'DPO reward margin',
    markdown: ['The implicit reward of the chosen answer less the rejected one (β-scaled log-ratios against the SFT model), step by step.', '', ...markdownTable(table)],
    html: [figure(svg, 'DPO reward margin by optimizer step: above zero, the student prefers the chosen answer more than the SFT model did.'), htmlTable(table)].join('\n'),
  };
}
