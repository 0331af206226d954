import { escapeHtml } from './html.js';
import type { ReportSection } from './report-section.js';
import type { RunReportData } from './run-report-data.js';
import { acceptanceSection } from './sections/acceptance.section.js';
import { agentQualitySection } from './sections/agent-quality.section.js';
import { dpoMarginSection } from './sections/dpo-margin.section.js';
import { drafterSection } from './sections/drafter.section.js';
import { fp8Section } from './sections/fp8.section.js';
import { gateSection } from './sections/gate.section.js';
import { lineageSection } from './sections/lineage.section.js';
import { lossCurvesSection } from './sections/loss-curves.section.js';
import { replaySection } from './sections/replay.section.js';
import { speedSection } from './sections/speed.section.js';
import { summarySection } from './sections/summary.section.js';

/** The run's report, one page two ways: HTML (self-contained: inline CSS and SVG plots) and markdown. */
export interface RenderedReport {
  readonly html: string;
  readonly markdown: string;
  /** The titles of the sections it has, in order. */
  readonly sections: readonly string[];
}

/**
 * Renders every section the data has, in the order a reader follows the loop: the run, training
 * (loss curves, DPO margin, Figure 3), the optimized student (Figure 4, Tables 1 and 2, acceptance
 * by position), the student behind the agents, the deploy gate, lineage.
 */
export async function renderRunReport(data: RunReportData): Promise<RenderedReport> {
  const sections = [
    summarySection(data),
    await lossCurvesSection(data),
    await dpoMarginSection(data),
    await agentQualitySection(data),
    await fp8Section(data),
    speedSection(data),
    drafterSection(data),
    await acceptanceSection(data),
    replaySection(data),
    await gateSection(data),
    lineageSection(data),
  ].filter((section): section is ReportSection => section !== undefined);
  const title = `distillery run ${data.overview.runId}`;
  const markdown = [`# ${title}`, '', ...sections.flatMap((section) => [`## ${section.title}`, '', ...section.markdown, '']), ''].join('\n');
  return { html: page(title, sections), markdown, sections: sections.map((section) => section.title) };
}

function page(title: string, sections: readonly ReportSection[]): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    `<header><h1>${escapeHtml(title)}</h1>`,
    `<nav>${sections.map((section) => `<a href="#${section.id}">${escapeHtml(section.title)}</a>`).join('')}</nav></header>`,
    '<main>',
    ...sections.map((section) => `<section id="${section.id}">\n<h2>${escapeHtml(section.title)}</h2>\n${section.html}\n</section>`),
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

const STYLE = `
:root { color-scheme: light; --ink: #1d1d1f; --muted: #666; --rule: #e3e3e3; --accent: #2e86ab; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #fafafa; }
header { padding: 1.5rem 2rem 0.75rem; background: white; border-bottom: 1px solid var(--rule); }
h1 { margin: 0 0 0.5rem; font-size: 1.4rem; }
nav { display: flex; flex-wrap: wrap; gap: 0.4rem 1rem; font-size: 0.85rem; }
nav a { color: var(--accent); text-decoration: none; }
main { max-width: 1100px; padding: 1rem 2rem 3rem; }
section { background: white; border: 1px solid var(--rule); border-radius: 6px; padding: 0.5rem 1.25rem 1rem; margin: 1rem 0; overflow-x: auto; }
h2 { font-size: 1.1rem; margin: 0.75rem 0; }
table { border-collapse: collapse; margin: 0.75rem 0; font-size: 0.88rem; }
th, td { border-bottom: 1px solid var(--rule); padding: 0.3rem 0.7rem; text-align: left; vertical-align: top; }
th { background: #f3f3f3; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.missing { color: #b03a2e; }
figure { margin: 0.75rem 0; }
figure svg { max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: 0.85rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; margin: 0.5rem 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
p.decision { font-weight: 700; font-size: 1.05rem; padding: 0.4rem 0.75rem; border-radius: 4px; display: inline-block; background: #eee; }
p.decision.accepted { background: #e3f4e8; color: #1e6b34; }
p.decision.refused { background: #fbe5e1; color: #9b2c1f; }
ol.lineage { display: flex; flex-wrap: wrap; list-style: none; padding: 0; gap: 0.5rem; }
ol.lineage li { border: 1px solid var(--rule); border-radius: 4px; padding: 0.35rem 0.6rem; display: flex; flex-direction: column; }
ol.lineage li + li::before { content: "→"; position: relative; left: -1.1rem; top: 0.9rem; height: 0; color: var(--muted); }
ol.lineage .kind { font-size: 0.75rem; color: var(--muted); text-transform: uppercase; letter-spacing: 0.04em; }
ol.lineage small { color: var(--muted); }
code { font: 0.85rem ui-monospace, SFMono-Regular, Menlo, monospace; }
`;
