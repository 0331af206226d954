import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { agentsService } from '@distillery/agents';
import { freePort, type RunningApp, startApp } from '@distillery/service-kit';

/** The model id the trainer announces its students as, and serving serves them under. */
export const STUDENT_MODEL = 'student-dealership';

/**
 * A second agents service whose five agents call the student through the platform's serving
 * service (DISTILLERY_AGENTS_BACKEND=serving), its sessions and dealership under `<data dir>/<name>`
 * (`student-agents`): the run's replay and the console's chat talk to the student through it, and
 * the deploy gate's E2E test (`gate-agents`, on a port chosen before the platform started, its
 * sessions pinned to the version under test). Returns it and its gRPC port.
 */
export async function startStudentAgents(
  platform: RunningApp,
  env: Readonly<Record<string, string | undefined>>,
  where: { readonly name?: string; readonly port?: number } = {},
): Promise<{ app: RunningApp; port: number }> {
  const port = where.port ?? (await freePort());
  const dataDir = join(platform.platform.config.DISTILLERY_DATA_DIR, where.name ?? 'student-agents');
  await mkdir(dataDir, { recursive: true });
  const app = await startApp([agentsService], {
    name: where.name ?? 'agents-on-student',
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
