import { type Lineage, lineageLine, lineageProblemPhrases, type Manifest } from '@distillery/artifacts';
import { href, jsonBlock, timeOf } from '../html/format.js';
import { html, type SafeHtml } from '../html/html.js';

/** The kinds this page lists, in the order a person reads them: what a run made, then what it came from. */
export const ARTIFACT_KINDS = ['fp8', 'drafter', 'checkpoint', 'dataset', 'traces', 'campaign'] as const;

/** Per kind, newest first: each manifest with its lineage on one line and its problems, when it has some. */
export function artifactsView(byKind: ReadonlyMap<string, readonly Manifest[]>, lineages: ReadonlyMap<Manifest, Lineage>, chosen: string | undefined): SafeHtml {
  const kinds = [...byKind.keys()];
  const filter = html`<p>Kinds: ${kinds.map((kind, index) => html`${index ? ' · ' : ''}<a href="/console/artifacts?kind=${kind}">${kind} (${byKind.get(kind)!.length})</a>`)}${chosen ? html` · <a href="/console/artifacts">all</a>` : ''}</p>`;
  const sections = kinds
    .filter((kind) => chosen === undefined || kind === chosen)
    .map((kind) => {
      const rows = byKind.get(kind)!.map((manifest) => {
        const lineage = lineages.get(manifest)!;
        const ancestors = lineage.chain.filter((step) => step !== manifest);
        const problems = lineageProblemPhrases(lineage.problems);
        return html`<tr><td><a class="artifact-link" href="${href('/console/artifacts', manifest.kind, manifest.id)}">${manifest.id}</a></td><td>${timeOf(manifest.createdAt)}</td><td>${manifest.createdBy}</td>
<td>${ancestors.length ? html`← ${lineageLine(ancestors)}` : html`<span class="muted">–</span>`}${problems.length ? html`<div class="problem">lineage problems: ${problems.join('; ')}</div>` : ''}</td></tr>`;
      });
      return html`<h2 id="kind-${kind}">${kind} (${rows.length})</h2><table><tr><th>id</th><th>created (UTC)</th><th>by</th><th>lineage</th></tr>${rows}</table>`;
    });
  return kinds.length ? html`${filter}${sections}` : html`<p class="muted">Nothing in the artifact store yet: <code>./distillery run</code> makes datasets and checkpoints.</p>`;
}

/** One manifest: what it is, its lineage (oldest first, each step a link), what was made from it, its files, metrics and attributes. */
export function artifactView(manifest: Manifest, lineage: Lineage, children: readonly Manifest[]): SafeHtml {
  const link = (node: Manifest) => html`<a href="${href('/console/artifacts', node.kind, node.id)}">${node.kind} ${node.id}</a>`;
  const problems = lineageProblemPhrases(lineage.problems, { all: true });
  const files = Object.entries(manifest.files).map(([name, ref]) => html`<tr><td>${name}</td><td>${ref.kind}</td><td>${ref.size}</td><td><code>${ref.sha256.slice(0, 16)}…</code></td></tr>`);
  const metrics = Object.entries(manifest.metrics ?? {}).map(([name, value]) => html`<tr><td>${name}</td><td>${Number.isInteger(value) ? value : value.toFixed(4)}</td></tr>`);
  return html`<p>${manifest.kind} made by ${manifest.createdBy}, ${timeOf(manifest.createdAt)} UTC.</p>
<h2>Lineage</h2><ol id="lineage">${lineage.chain.map((node) => html`<li>${node === manifest ? html`<strong>${node.kind} ${node.id}</strong>` : link(node)} <span class="muted">${timeOf(node.createdAt)}</span></li>`)}</ol>
${problems.length ? html`<p class="problem">Lineage problems: ${problems.join('; ')}</p>` : html`<p class="ok">Every node of its lineage is recorded.</p>`}
${children.length ? html`<h2>Made from it</h2><ul>${children.map((child) => html`<li>${link(child)}</li>`)}</ul>` : ''}
<h2>Files (${files.length})</h2>${files.length ? html`<table><tr><th>name</th><th>kind</th><th>bytes</th><th>sha256</th></tr>${files}</table>` : html`<p class="muted">none</p>`}
${metrics.length ? html`<h2>Metrics</h2><table><tr><th>metric</th><th>value</th></tr>${metrics}</table>` : ''}
<details><summary>attributes</summary>${jsonBlock(manifest.attributes ?? {})}</details>`;
}
