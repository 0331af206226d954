import { ConsoleModule, type StudentAgents } from '@distillery/console';
import { freePort, type RunningApp, startApp } from '@distillery/service-kit';
import { ServingLifecycle } from '@distillery/serving';
import { ALL_SERVICES } from './all-services.js';
import { STUDENT_MODEL, startStudentAgents } from './student-agents.js';

/** Where the console listens unless DISTILLERY_HTTP_PORT says otherwise (the services alone use 7101–7108). */
export const CONSOLE_PORT = 7100;

/**
 * `distillery console`: the embedded platform on the data dir a run left (DISTILLERY_DATA_DIR) with
 * the web console at `<url>/console`, until interrupted; its chat offers the student too once the
 * serving service serves one. The trainer, drafter and quantizer take no job here (their slots are
 * 0 unless the environment says otherwise): looking must not start training.
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
  let app: RunningApp | undefined;
  const student = studentAgentsFor(() => app, settings);
  app = await startApp(ALL_SERVICES, { name: 'console', env: settings, defaultPort: CONSOLE_PORT, modules: [ConsoleModule.forRoot({ student })] });
  return app;
}

/**
 * The student behind the agents for the console's chat: while the platform's serving service
 * serves the trainer's student (STUDENT_MODEL), a second agents service answers on it
 * (DISTILLERY_AGENTS_BACKEND=serving, its sessions under `<data dir>/student-agents`, as the run's
 * replay starts it), started on the chat's first message to the student and stopped with the console.
 */
export function studentAgentsFor(platform: () => RunningApp | undefined, env: Readonly<Record<string, string | undefined>>): StudentAgents {
  const running = (): RunningApp => {
    const app = platform();
    if (!app) throw new Error('the platform is not up yet');
    return app;
  };
  const apiKey = env.DISTILLERY_AGENTS_API_KEYS?.split(',')[0]?.split(':')[0] ?? 'dev-key';
  let agents: Promise<{ app: RunningApp; port: number }> | undefined;
  return {
    async unavailable() {
      const models = await running().app.get(ServingLifecycle).runtime.inference.models();
      return models.some((model) => model.id === STUDENT_MODEL) ? undefined : `the serving service serves no ${STUDENT_MODEL} yet (a \`./distillery run\` that trains makes one)`;
    },
    async connect() {
      agents ??= (async () => {
        return startStudentAgents(running(), env);
      })();
      agents.catch(() => (agents = undefined));
      return { address: `127.0.0.1:${(await agents).port}`, apiKey };
    },
    async close() {
      await (await agents?.catch(() => undefined))?.app.close();
    },
  };
}
