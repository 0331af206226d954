import { logger, None, parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { escapeHtml } from './html.js';
import { PlotRenderError } from './plot-render.error.js';

/** The look every plot of the report shares: the page's font, no frame around a view, quiet axes. */
const PLOT_CONFIG = {
  font: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  background: 'white',
  view: { stroke: null },
  axis: { labelColor: '#333', titleColor: '#333', gridColor: '#e8e8e8', domainColor: '#999', tickColor: '#999' },
  legend: { labelColor: '#333', titleColor: '#333' },
  header: { labelColor: '#333', titleColor: '#333', labelFontWeight: 'bold' },
} as const;

/**
 * A Vega-Lite spec drawn as an SVG string, in this process: Vega renders headless (no canvas, no
 * browser, text measured by estimate) and the data must be inline (`data.values`), so nothing is
 * fetched. Every id in the SVG (clip paths, gradients) is prefixed with `id`, so that several plots
 * inlined in one page cannot point at each other's.
 */
export async function renderPlot(id: string, spec: TopLevelSpec): Promise<string> {
  let view: View | undefined;
  try {
    const quiet = logger(None);
    const compiled = compile({ ...spec, config: { ...PLOT_CONFIG, ...spec.config } } as TopLevelSpec, { logger: quiet }).spec;
    view = new View(parse(compiled), { renderer: 'none', logger: quiet });
    return scopeIds(await view.toSVG(), `${id}-`);
  } catch (error) {
    throw new PlotRenderError(id, error);
  } finally {
    view?.finalize();
  }
}

/**
 * renderPlot for a page: the SVG, or — when the spec cannot be drawn — a line saying so in its
 * place, so that one plot that fails leaves the report (and the run that writes it) whole; the
 * section's tables show the same figures.
 */
export async function drawPlot(id: string, spec: TopLevelSpec): Promise<string> {
  try {
    return await renderPlot(id, spec);
  } catch (error) {
    if (!(error instanceof PlotRenderError)) throw error;
    return `<p class="missing">${escapeHtml(`${error.message} (not drawn; the table below has its figures)`)}</p>`;
  }
}

function scopeIds(svg: string, prefix: string): string {
  return svg.replace(/\bid="/g, `id="${prefix}`).replace(/url\(#/g, `url(#${prefix}`).replace(/href="#/g, `href="#${prefix}`);
}
