import { describe, expect, it } from 'vitest';
import { drawPlot, renderPlot } from './plot.js';
import { PlotRenderError } from './plot-render.error.js';
import { wellFormedProblem } from './testing/well-formed.js';

describe('a report plot', () => {
  it('is an SVG drawn in this process from a Vega-Lite spec: well-formed, with its marks, axes and ids scoped to the plot', async () => {
    const svg = await renderPlot('loss', {
      width: 200,
      height: 100,
      data: { values: [{ step: 1, loss: 3 }, { step: 2, loss: 2.5 }, { step: 3, loss: 2.1 }] },
      mark: { type: 'line', point: true },
      encoding: { x: { field: 'step', type: 'quantitative', title: 'optimizer step' }, y: { field: 'loss', type: 'quantitative', title: 'training loss' } },
    });
    expect(svg).toMatch(/^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]*>/);
    expect(svg.endsWith('</svg>')).toBe(true);
    expect(wellFormedProblem(svg)).toBeNull();
    expect(svg).toContain('optimizer step');
    expect(svg).toContain('training loss');
    expect(svg.match(/<path\b/g)!.length).toBeGreaterThan(3); // the line and its three points
    for (const [, id] of svg.matchAll(/\bid="([^"]+)"/g)) expect(id).toMatch(/^loss-/);
    for (const [, id] of svg.matchAll(/url\(#([^)]+)\)/g)) expect(id).toMatch(/^loss-/);
  });

  it('names the plot when its spec cannot be drawn', async () => {
    await expect(renderPlot('broken', { data: { values: [] }, mark: 'no-such-mark' } as never)).rejects.toThrow(PlotRenderError);
    await expect(renderPlot('broken', { data: { values: [] }, mark: 'no-such-mark' } as never)).rejects.toThrow(/^plot broken: /);
  });

  it('on a page, says in its place that it was not drawn rather than failing the report', async () => {
    const html = await drawPlot('broken', { data: { values: [] }, mark: 'no-such-mark' } as never);
    expect(html).toMatch(/^<p class="missing">plot broken: .+ \(not drawn; the table below has its figures\)<\/p>$/);
  });
});

describe('the well-formedness check the report tests rely on', () => {
  it('finds a tag closed out of order, one never closed, and an unquoted attribute', () => {
    expect(wellFormedProblem('<svg><g><rect/></g></svg>')).toBeNull();
    expect(wellFormedProblem('<svg><g></svg></g>')).toBe('</svg> closes <g>');
    expect(wellFormedProblem('<svg><g>')).toBe('<g> never closed');
    expect(wellFormedProblem('<svg width=3></svg>')).toMatch(/^not a tag/);
  });
});
