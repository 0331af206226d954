import { escapeHtml } from '../html.js';
import type { ReportSection } from '../report-section.js';
import type { RunReportData } from '../run-report-data.js';

/** What the run's student came from and became, oldest first (campaign → dataset → checkpoint → drafter → FP8 → served); absent when the run named none. */
export function lineageSection(data: RunReportData): ReportSection | undefined {
  const nodes = data.lineage ?? [];
  if (nodes.length === 0) return undefined;
  return {
    id: 'lineage',
    title: 'Lineage',
    markdown: [nodes.map((node) => `${node.kind} \`${node.id}\``).join(' → '), '', ...nodes.filter((node) => node.note).map((node) => `- ${node.kind} ${node.id}: ${node.note}`)],
    html: `<ol class="lineage">${nodes.map((node) => `<li><span class="kind">${escapeHtml(node.kind)}</span><code>${escapeHtml(node.id)}</code>${node.note ? `<small>${escapeHtml(node.note)}</small>` : ''}</li>`).join('')}</ol>`,
  };
}
