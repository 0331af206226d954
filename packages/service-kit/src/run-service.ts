import { ConfigError } from '@distillery/config';
import type { ServiceDefinition } from './service-definition.js';
import { type RunningApp, startApp } from './start-app.js';

/**
 * The `main.ts` of every service: boot alone, drain on SIGTERM/SIGINT, exit 0 after a clean drain.
 * A bad configuration exits 1 with a message naming each bad variable.
 */
export async function runService(definition: ServiceDefinition, env: Readonly<Record<string, string | undefined>> = process.env): Promise<RunningApp> {
  let running: RunningApp;
  try {
    running = await startApp([definition], { name: definition.name, env, defaultPort: definition.defaultPort });
  } catch (error) {
    process.stderr.write(`${definition.name}: failed to start: ${error instanceof ConfigError ? error.message : ((error as Error).stack ?? error)}\n`);
    process.exit(1);
  }
  drainOnSignals(running);
  return running;
}

/** SIGTERM or SIGINT: drain once, then exit (1 when the drain failed or timed out). */
export function drainOnSignals(running: RunningApp): void {
  const drain = (signal: NodeJS.Signals) => {
    running.logger.info({ signal }, 'draining');
    running.close().then(
      () => {
        running.logger.info('drained, exiting');
        process.exit(0);
      },
      (error: unknown) => {
        running.logger.error({ error: String(error) }, 'drain failed, exiting');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', drain);
  process.once('SIGINT', drain);
}
