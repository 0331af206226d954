import { escapeHtml, figure, paragraph } from '../html.js';
import { drawPlot } from '../plot.js';
import type { ReportSection } from '../report-section.js';
import type { GateFigure, RunReportData } from '../run-report-data.js';
import { htmlTable, markdownTable, type Table } from '../table.js';

/** The deploy gate's decision, its reason, and incumbent against candidate for every agent metric it compared; absent when the run went through no gate. */
export async function gateSection(data: RunReportData): Promise<ReportSection | undefined> {
  const gate = data.gate;
  if (!gate) return undefined;
  const table: Table = {
    header: ['agent', 'metric', `incumbent${gate.incumbent ? ` (${gate.incumbent})` : ''}`, `candidate (${gate.candidate})`, 'tolerance', 'no worse'],
    rows: gate.rows.map((row) => [row.agent, row.metric, shown(row.incumbent), shown(row.candidate), String(row.tolerance), row.ok ? 'yes' : 'NO']),
  };
  const headline = `${gate.decision}: ${gate.candidate} against ${gate.incumbent ?? 'no incumbent'}`;
  const points = gate.rows.flatMap((row) =>
    (['incumbent', 'candidate'] as const).flatMap((side) => {
      const value = row[side];
      if (value === null) return [];
      const { mean, low, high } = typeof value === 'number' ? { mean: value, low: undefined, high: undefined } : value;
      return [{ row: `${row.agent} · ${row.metric}`, side, mean, low: low ?? null, high: high ?? null }];
    }),
  );
  const plot = points.length
    ? figure(
        await drawPlot('gate', {
          width: 360,
          height: { step: 22 },
          data: { values: points },
          encoding: {
            y: { field: 'row', type: 'nominal', title: null, sort: null },
            yOffset: { field: 'side', type: 'nominal', sort: ['incumbent', 'candidate'] },
            color: { field: 'side', type: 'nominal', sort: ['incumbent', 'candidate'], title: null, scale: { range: ['#888', '#2e86ab'] } },
          },
          layer: [
            { transform: [{ filter: 'datum.low !== null && datum.high !== null' }], mark: { type: 'rule', strokeWidth: 1.5 }, encoding: { x: { field: 'low', type: 'quantitative' }, x2: { field: 'high' } } },
            { mark: { type: 'point', filled: true, size: 50 }, encoding: { x: { field: 'mean', type: 'quantitative', title: 'value (95% interval where measured)' } } },
          ],
        }),
        'Incumbent and candidate per agent metric, with their 95% intervals where measured.',
      )
    : '';
  // the page colours `accepted` and `refused`, the gate's two decisions
  const verdict = gate.decision.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  return {
    id: 'gate',
    title: 'Deploy gate',
    markdown: [`**${headline}**${gate.reason ? ` — ${gate.reason}` : ''}`, '', ...markdownTable(table)],
    html: [`<p class="decision ${verdict}">${escapeHtml(headline)}</p>`, gate.reason ? paragraph(gate.reason) : '', plot, htmlTable(table).replace(/<td>NO<\/td>/g, '<td class="missing">NO</td>')].filter(Boolean).join('\n'),
  };
}

function shown(value: GateFigure | null): string {
  if (value === null) return '–';
  if (typeof value === 'number') return value.toFixed(3);
  return value.low === undefined || value.high === undefined ? value.mean.toFixed(3) : `${value.mean.toFixed(3)} [${value.low.toFixed(3)}, ${value.high.toFixed(3)}]${value.n === undefined ? '' : ` n=${value.n}`}`;
}
