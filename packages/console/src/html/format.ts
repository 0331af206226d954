import { html, type SafeHtml } from './html.js';

/** `2026-12-06 22:41:07` in UTC. */
export function timeOf(value: Date | string | number): string {
  return new Date(value).toISOString().replace('T', ' ').slice(0, 19);
}

/** `1.2 s` */
export function secondsOf(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** A value as indented JSON in a <pre>. */
export function jsonBlock(value: unknown): SafeHtml {
  return html`<pre>${JSON.stringify(value, null, 2) ?? 'undefined'}</pre>`;
}

/** A link with its parts URL-encoded: `href('/console/traces', id)` → `/console/traces/sess_1`. */
export function href(base: string, ...parts: readonly string[]): string {
  return [base, ...parts.map((part) => encodeURIComponent(part))].join('/');
}

/** `{accepted: 4, corrected: 1}` → `4 accepted, 1 corrected` with each verdict coloured. */
export function verdictCounts(counts: Readonly<Record<string, number>> | undefined): SafeHtml {
  const entries = Object.entries(counts ?? {});
  if (entries.length === 0) return html`<span class="muted">not judged yet</span>`;
  return html`${entries.map(([verdict, n], index) => html`${index ? ', ' : ''}<span class="verdict-${verdict}">${n} ${verdict}</span>`)}`;
}
