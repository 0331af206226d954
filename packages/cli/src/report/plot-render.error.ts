/** Thrown when a report's plot cannot be drawn: its Vega-Lite spec does not compile or render (`plot` names which). */
export class PlotRenderError extends Error {
  constructor(
    readonly plot: string,
    cause: unknown,
  ) {
    super(`plot ${plot}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'PlotRenderError';
  }
}
