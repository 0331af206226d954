import type { Manifest } from '@distillery/artifacts';
import { href, jsonBlock, secondsOf, timeOf } from '../html/format.js';
import { html, type SafeHtml } from '../html/html.js';
import type { LiveRun } from '../live/live-run-board.js';

/** The stages a run manifest records (`attributes.stagesRun`, `attributes.stagesMissing`). */
export function stagesOf(run: Manifest): { readonly run: string[]; readonly missing: string[] } {
  const names = (value: unknown) => (Array.isArray(value) ? value.filter((name): name is string => typeof name === 'string') : []);
  return { run: names(run.attributes?.stagesRun), missing: names(run.attributes?.stagesMissing) };
}

/** The runs table, newest first: when, health, stages run and missing, the report. */
export function runsView(runs: readonly Manifest[]): SafeHtml {
  if (runs.length === 0) return html`<p class="muted">No runs in the artifact store yet: <code>./distillery run</code> makes one.</p>`;
  const rows = runs.map((run) => {
    const stages = stagesOf(run);
    return html`<tr><td><a class="run-link" href="${href('/console/runs', run.id)}">${run.id}</a></td><td>${timeOf(run.createdAt)}</td><td>${String(run.attributes?.mode ?? '–')}</td><td>${String(run.attributes?.health ?? '–')}</td>
<td>${stages.run.length} run${stages.missing.length ? html`, <span class="muted">${stages.missing.length} not implemented</span>` : ''}</td>
<td>${run.files['report.html'] ? html`<a href="${href('/console/runs', run.id, 'report.html')}">report</a>` : html`<span class="muted">none</span>`}</td></tr>`;
  });
  return html`<table id="runs"><tr><th>run</th><th>finished (UTC)</th><th>mode</th><th>health</th><th>stages</th><th></th></tr>${rows}</table>`;
}

/** One run: its stages, files and attributes. */
export function runView(run: Manifest): SafeHtml {
  const stages = stagesOf(run);
  const files = Object.entries(run.files).map(([name, ref]) => html`<tr><td>${name}</td><td>${ref.size}</td><td><code>${ref.sha256.slice(0, 16)}…</code></td></tr>`);
  return html`<p>Finished ${timeOf(run.createdAt)} UTC by ${run.createdBy}. ${run.files['report.html'] ? html`<a id="report-link" href="${href('/console/runs', run.id, 'report.html')}">Open the report</a> (<a href="${href('/console/runs', run.id, 'report.md')}">markdown</a>).` : ''}</p>
<h2>Stages run (${stages.run.length})</h2><ul id="stages-run">${stages.run.map((name) => html`<li>${name}</li>`)}</ul>
${stages.missing.length ? html`<h2>Not implemented yet (${stages.missing.length})</h2><ul>${stages.missing.map((name) => html`<li>${name}</li>`)}</ul>` : ''}
<h2>Files</h2><table><tr><th>name</th><th>bytes</th><th>sha256</th></tr>${files}</table>
<details><summary>attributes</summary>${jsonBlock(run.attributes ?? {})}</details>`;
}

/** The live run's steps as the progress lines show them; `data-state="running"` keeps the page refreshing it. */
export function liveView(live: LiveRun | undefined, finished: Manifest | undefined): SafeHtml {
  if (!live) return html`<div data-state="none" class="muted">No run in progress in this process.</div>`;
  const steps = live.board.snapshot();
  const running = !finished && steps.some((step) => step.state === 'running');
  const state = finished ? 'finished' : running ? 'running' : 'between steps';
  const rows = steps.map(
    (step) => html`<tr class="step-${step.state}"><td>${step.step}/${step.total}</td><td>${step.label}</td><td>${step.state === 'running' ? html`<em>running for ${secondsOf(Date.now() - step.startedAt)}</em>` : (step.detail ?? '')}</td>
<td>${step.ms === undefined || step.state === 'note' ? '' : secondsOf(step.ms)}</td></tr>`,
  );
  return html`<div data-state="${finished ? 'finished' : 'running'}">
<p>Run <strong>${live.runId}</strong>: ${state}${finished ? html` — <a href="${href('/console/runs', live.runId)}">its page</a>` : html`, ${secondsOf(Date.now() - live.board.startedAt)} so far (refreshes every 2 s)`}.</p>
${steps.length ? html`<table id="live-steps"><tr><th>step</th><th>stage</th><th>result</th><th>took</th></tr>${rows}</table>` : html`<p class="muted">starting…</p>`}
</div>`;
}
