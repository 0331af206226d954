import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { agentsService } from '@distillery/agents';
import { freePort, type RunningApp, startApp } from '@distillery/service-kit';

/** The model id the trainer announces its students as, and serving serves them under. */
export const STUDENT_MODEL = 'student-dealership';

/**
 * A second agents service whose five agents call the student through the platform's serving
 * service (DISTILLERY_AGENTS_BACKEND=serving), its sessions under `<data dir>/student-agents`: the
 * run's replay and the console's chat talk to the student through it. Returns it and its gRPC port.
 */
export async function startStudentAgents(platform: RunningApp, env: Readonly<Record<string, string | undefined>>): Promise<{ app: RunningApp; port: number }> {
  const port = await freePort();
  const dataDir = join(platform.platform.config.DISTILLERY_DATA_DIR, 'student-agents');
  await mkdir(dataDir, { recursive: true });
  const app = await startApp([agentsService], {
    name: 'agents-on-student',
    defaultPort: 0,
    env: {
      ...env,
      DISTILLERY_DATA_DIR: dataDir,
      DISTILLERY_HTTP_PORT: '0',
      DISTILLERY_AGENTS_GRPC_PORT: String(port),
      DISTILLERY_AGENTS_BACKEND: 'serving',
      DISTILLERY_SERVING_URL: `${platform.url}/v1`,
      DISTILLERY_SERVING_MODEL: STUDENT_MODEL,
    },
  });
  return { app, port };
}
