import { SafeHtml } from './html.js';

/** The console's one stylesheet, inline in every page. */
export const CONSOLE_STYLE = new SafeHtml(`
body { font: 14px/1.45 system-ui, sans-serif; margin: 0; color: #1d1f21; background: #fafafa; }
header { background: #1f3a5f; color: #fff; padding: 10px 20px; }
header nav { display: inline; margin-left: 24px; }
header nav a { color: #cfe0f5; margin-right: 16px; text-decoration: none; }
header nav a[aria-current="page"] { color: #fff; text-decoration: underline; }
main { padding: 8px 20px 40px; max-width: 1200px; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 24px; } h3 { font-size: 14px; }
table { border-collapse: collapse; margin: 8px 0; background: #fff; }
th, td { border: 1px solid #d8dde3; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #eef2f6; }
pre { background: #fff; border: 1px solid #d8dde3; padding: 8px; overflow-x: auto; white-space: pre-wrap; word-break: break-word; max-height: 420px; }
.muted { color: #68727d; } .note { background: #fff8e1; border: 1px solid #f0d890; padding: 6px 10px; }
.problem { color: #a4262c; } .ok { color: #2e7d32; }
.verdict-accepted { color: #2e7d32; } .verdict-corrected { color: #b26a00; } .verdict-rejected { color: #a4262c; }
details { margin: 6px 0; } summary { cursor: pointer; }
form textarea { width: 100%; max-width: 720px; height: 70px; font: inherit; }
.chat-turn { background: #fff; border: 1px solid #d8dde3; padding: 8px 12px; margin: 8px 0; max-width: 900px; }
.chat-turn .who { font-weight: 600; }
`);
