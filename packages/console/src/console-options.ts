import type { StudentAgents } from './chat/student-agents.js';
import type { LiveRun } from './live/live-run-board.js';

/** What the console is given by the process that serves it. */
export interface ConsoleOptions {
  /** The run this process is making, shown live on the runs page. */
  readonly liveRun?: LiveRun;
  /** The student behind the agents, for the chat playground; without it the playground offers the teacher only. */
  readonly student?: StudentAgents;
}

export const CONSOLE_OPTIONS = Symbol('distillery.console.options');
