/**
 * @distillery/cli — the `distillery` command and the embedded launcher.
 *
 * ```ts
 * import { ALL_SERVICES } from '@distillery/cli';
 * import { startApp } from '@distillery/service-kit';
 * const app = await startApp(ALL_SERVICES, { name: 'embedded', defaultPort: 0 }); // all eight services, one process
 * ```
 */
export { ALL_SERVICES } from './all-services.js';
export { runCommand, type RunOptions, type RunSummary } from './run.command.js';
export { statusCommand } from './status.command.js';
export { parseSimulateArguments, simulateCommand, type SimulateArguments } from './simulate.command.js';
export { ProgressPrinter } from './progress.js';
