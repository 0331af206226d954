import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IntegrationServers } from './integration-servers.js';
import { createScratchDatabase } from './scratch-database.js';

/** What a started service gives a test: @distillery/service-kit's RunningApp is one. */
export interface ServiceUnderTest {
  readonly url: string;
  close(): Promise<void>;
}

export interface DistributedService<App extends ServiceUnderTest> {
  readonly app: App;
  /** The env it was started with, to start another replica on the same database. */
  readonly env: Record<string, string>;
  /** Closes the app, drops its scratch database and removes its scratch directory. */
  stop(): Promise<void>;
}

/**
 * Starts a service with `start` in distributed mode on the test broker and a scratch database of
 * its own, its data in a scratch directory (DISTILLERY_DATA_DIR `<dir>/data`, DISTILLERY_ARTIFACT_ROOT
 * `file://<dir>/artifacts`), logs silent; `env` adds to that or overrides it.
 *
 * ```ts
 * const judge = await startDistributedService(servers, (env) => startApp([judgeService], { name: 'judge', defaultPort: 0, env }), { DISTILLERY_MAX_MESSAGE_BYTES: '65536' });
 * ```
 */
export async function startDistributedService<App extends ServiceUnderTest>(servers: IntegrationServers, start: (env: Record<string, string>) => Promise<App>, env: Record<string, string> = {}): Promise<DistributedService<App>> {
  const scratch = await createScratchDatabase(servers.databaseUrl);
  const dir = await mkdtemp(join(tmpdir(), 'distillery-service-'));
  const remove = async () => {
    await scratch.drop();
    await rm(dir, { recursive: true, force: true });
  };
  const serviceEnv = {
    DISTILLERY_MODE: 'distributed',
    DISTILLERY_KAFKA_BROKERS: servers.kafkaBrokers.join(','),
    DISTILLERY_DATABASE_URL: scratch.url,
    DISTILLERY_DATA_DIR: join(dir, 'data'),
    DISTILLERY_ARTIFACT_ROOT: `file://${join(dir, 'artifacts')}`,
    DISTILLERY_LOG_LEVEL: 'silent',
    ...env,
  };
  let app: App;
  try {
    app = await start(serviceEnv);
  } catch (error) {
    await remove();
    throw error;
  }
  return {
    app,
    env: serviceEnv,
    stop: async () => {
      await app.close();
      await remove();
    },
  };
}

/** The consumers entry of a service's /health details: `{ status: 'up', stuck: [] }` when no consumer is stuck. */
export async function consumersHealth(service: { readonly url: string }): Promise<unknown> {
  const health = (await (await fetch(`${service.url}/health`)).json()) as { details: { consumers?: unknown } };
  return health.details.consumers;
}
