import { html, type HtmlValue, type SafeHtml } from './html.js';
import { CONSOLE_SCRIPT } from './console-script.js';
import { CONSOLE_STYLE } from './console-style.js';

/** The console's sections, in the order the navigation lists them. */
const SECTIONS = [
  { path: '/console', name: 'Runs' },
  { path: '/console/artifacts', name: 'Datasets & checkpoints' },
  { path: '/console/traces', name: 'Traces' },
  { path: '/console/chat', name: 'Chat' },
] as const;

/**
 * A whole console page: the navigation, the page's body, the console's inline style and script (no
 * file, CDN or network: the page is complete as served). The empty data: icon keeps the browser
 * from asking for /favicon.ico.
 */
export function page(title: string, body: HtmlValue, options: { readonly section?: (typeof SECTIONS)[number]['path'] } = {}): string {
  const nav = SECTIONS.map((section) => html`<a href="${section.path}"${section.path === options.section ? html` aria-current="page"` : ''}>${section.name}</a>`);
  const document: SafeHtml = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${title} · distillery console</title>
<style>${CONSOLE_STYLE}</style>
</head>
<body>
<header><strong>distillery</strong> console <nav>${nav}</nav></header>
<main>
<h1>${title}</h1>
${body}
</main>
<script>${CONSOLE_SCRIPT}</script>
</body>
</html>
`;
  return document.text;
}
