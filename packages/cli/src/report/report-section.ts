/** One section of the run report, rendered both ways from the same data. */
export interface ReportSection {
  /** The anchor in the HTML page. */
  readonly id: string;
  readonly title: string;
  /** Its markdown, without the heading (plots are left out: the tables say the same). */
  readonly markdown: readonly string[];
  /** Its HTML, without the heading: text, tables and inline SVG plots. */
  readonly html: string;
}
