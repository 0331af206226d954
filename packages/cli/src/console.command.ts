import { ConsoleModule } from '@distillery/console';
import { freePort, type RunningApp, startApp } from '@distillery/service-kit';
import { ALL_SERVICES } from './all-services.js';

/** Where the console listens unless DISTILLERY_HTTP_PORT says otherwise (the services alone use 7101–7108). */
export const CONSOLE_PORT = 7100;

/**
 * `distillery console`: the embedded platform on the data dir a run left (DISTILLERY_DATA_DIR) with
 * the web console at `<url>/console`, until interrupted. The trainer, drafter and quantizer take no
 * job here (their slots are 0 unless the environment says otherwise): looking must not start training.
 */
export async function consoleCommand(env: Readonly<Record<string, string | undefined>>): Promise<RunningApp> {
  const settings = {
    DISTILLERY_LOG_LEVEL: 'warn',
    DISTILLERY_AGENTS_GRPC_PORT: String(await freePort()),
    DISTILLERY_SERVING_GRPC_PORT: String(await freePort()),
    DISTILLERY_TRAINER_SLOTS: '0',
    DISTILLERY_DRAFTER_SLOTS: '0',
    DISTILLERY_QUANTIZER_SLOTS: '0',
    ...env,
    DISTILLERY_MODE: 'embedded',
  };
  return startApp(ALL_SERVICES, { name: 'console', env: settings, defaultPort: CONSOLE_PORT, modules: [ConsoleModule.forRoot()] });
}
