/**
 * @distillery/console — the web console the embedded platform serves under `/console`: the runs
 * of the artifact store with the one in progress live, datasets and checkpoints with their lineage,
 * the traces browser (a turn's agent calls, plan, tool calls and the judge's verdicts), the run
 * reports and a chat playground against the agents. Server-rendered HTML (every value escaped) with
 * a little inline script; nothing to build, nothing fetched from the network.
 *
 * ```ts
 * import { ConsoleModule, LiveRunBoard } from '@distillery/console';
 * const board = new LiveRunBoard(); // the CLI's ProgressPrinter writes each step to it
 * const app = await startApp(services, { name: 'embedded', defaultPort: 0, modules: [ConsoleModule.forRoot({ liveRun: { runId, board } })] });
 * console.log(`${app.url}/console`);
 * ```
 */
export { ConsoleModule } from './console.module.js';
export type { ConsoleOptions } from './console-options.js';
export type { AgentsAddress, StudentAgents } from './chat/student-agents.js';
export { LiveRunBoard, type LiveRun, type LiveStep } from './live/live-run-board.js';
export { escapeHtml, html, SafeHtml } from './html/html.js';
export { ConsoleNotFoundError } from './http/console-not-found.error.js';
export { BadQueryParameterError } from './http/bad-query-parameter.error.js';
