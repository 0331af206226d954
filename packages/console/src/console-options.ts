import type { LiveRun } from './live/live-run-board.js';

/** What the console is given by the process that serves it. */
export interface ConsoleOptions {
  /** The run this process is making, shown live on the runs page. */
  readonly liveRun?: LiveRun;
}

export const CONSOLE_OPTIONS = Symbol('distillery.console.options');
