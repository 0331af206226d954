import { describe, expect, it } from 'vitest';
import { renderRunReport } from './render-run-report.js';
import type { RunReportData } from './run-report-data.js';
import { fullRunReport } from './testing/run-report.fixture.js';
import { wellFormedProblem } from './testing/well-formed.js';

const EVERY_SECTION = [
  'Run summary',
  'Loss curves per training stage',
  'DPO reward margin',
  'Figure 3: quality per agent, per stage',
  'Figure 4: FP8 clip rate by calibration set and length',
  'Table 1: speed',
  'Table 2: the EAGLE drafter',
  'Acceptance by draft position',
  'The student behind the agents: teacher and student side by side',
  'Deploy gate',
  'Lineage',
];

/** Only the run's summary: a run that stopped after the simulator. */
const bare: RunReportData = { overview: { ...fullRunReport.overview, stages: [{ name: 'simulator/campaigns', state: 'run' }] } };

describe('the run report', () => {
  it('renders every section from a run that produced every figure, in the order a reader follows the loop', async () => {
    const report = await renderRunReport(fullRunReport);
    expect(report.sections).toEqual(EVERY_SECTION);
    for (const title of EVERY_SECTION) {
      expect(report.html).toContain(`<h2>${title.replace(/&/g, '&amp;')}</h2>`);
      expect(report.markdown).toContain(`## ${title}\n`);
    }
  });

  it('is one self-contained HTML page: inline style and SVG plots, nothing fetched, every tag closed', async () => {
    const { html } = await renderRunReport(fullRunReport);
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toMatch(/<style>[^<]+<\/style>/);
    // loss curves, DPO margin, Figure 3, Figure 4, acceptance by position, the gate
    expect(html.match(/<svg\b/g)).toHaveLength(6);
    expect(html).not.toMatch(/<(script|link|img|iframe|object|embed)\b/i);
    expect(html).not.toMatch(/\b(src|href)\s*=\s*["']?\s*(https?:)?\/\//i);
    expect(html).not.toMatch(/url\(\s*["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/@import/);
    // each link is to a section of the page
    for (const [, target] of html.matchAll(/\bhref="([^"]*)"/g)) expect(target).toMatch(/^#[\w-]+$/);
    expect(wellFormedProblem(html.replace(/<!doctype html>|<meta [^>]*>/gi, ''))).toBeNull();
    const ids = [...html.matchAll(/\bid="([^"]+)"/g)].map(([, id]) => id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('writes the markdown’s tables: stages, loss, Figures 3 and 4, Tables 1 and 2, acceptance, replay, gate', async () => {
    const { markdown } = await renderRunReport(fullRunReport);
    expect(markdown.startsWith('# distillery run run_20261206220000_abcdef\n')).toBe(true);
    expect(markdown).toContain('| console/web | not implemented yet |  |');
    expect(markdown).toContain('| sft | 3 | 1–3 | 2.100 | 1.300 | 1.500 | 1.234 |');
    expect(markdown).toContain('| last step (3) | 0.1200 |');
    expect(markdown).toContain('| metric | agent | sft | dpo | teacher |');
    expect(markdown).toContain('| intent_accuracy | understander | – | 0.600 [0.440, 0.740] | 0.900 [0.770, 0.960] |');
    expect(markdown).toContain('| P (public) | 628.0 | 89.0 |');
    expect(markdown).toContain('| M (mixed) | 400.0 | 104.0 |');
    expect(markdown).toContain('| weights on disk (student + drafter) | 331 MB | 195 MB |');
    expect(markdown).toContain('| BF16 + EAGLE (tree) | 26.2 | 2.41 | 1.31× plain BF16 | drafter job dj_1 (4 held-out prompts) |');
    expect(markdown).toContain('| chain | 2.12 | 1.10× | – |');
    expect(markdown).toContain('| 3 | 0.25 |');
    expect(markdown).toContain('| planner: plan_valid | 1.00 [0.50, 1.00] | 0.50 [0.25, 0.75] |');
    expect(markdown).toContain('**refused: student-dealership@ckpt_0007 against student-dealership@ckpt_0006**');
    expect(markdown).toContain('| planner | plan_valid | 0.700 [0.550, 0.820] n=40 | 0.500 [0.350, 0.650] n=40 | 0.05 | NO |');
    expect(markdown).toContain('campaign `camp_1` → dataset `ds_dealership v1` → checkpoint `ckpt_0007`');
    expect(markdown).not.toContain('<svg');
  });

  it('leaves out every section whose data the run did not produce', async () => {
    const report = await renderRunReport(bare);
    expect(report.sections).toEqual(['Run summary']);
    expect(report.html).not.toContain('<svg');
    for (const title of EVERY_SECTION.slice(1)) {
      expect(report.html).not.toContain(title);
      expect(report.markdown).not.toContain(title);
    }
  });

  it('draws no loss curve or DPO margin for stages that recorded no steps, and keeps what else there is', async () => {
    const training = { ...fullRunReport.training!, stages: fullRunReport.training!.stages.map((stage) => ({ ...stage, curve: [] })) };
    const report = await renderRunReport({ ...bare, training, quality: fullRunReport.quality! });
    expect(report.sections).toEqual(['Run summary', 'Figure 3: quality per agent, per stage']);
    // a run without intervals has no error bars to speak of
    const plain = await renderRunReport({ ...bare, quality: fullRunReport.quality!.filter((point) => point.low === undefined) });
    expect(plain.markdown).not.toContain('95% interval');
  });

  it('escapes what the run reports, so a note cannot become markup', async () => {
    const hostile: RunReportData = { overview: { ...bare.overview, campaign: '<script>alert(1)</script> & "x"' } };
    const { html } = await renderRunReport(hostile);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;');
  });
});
