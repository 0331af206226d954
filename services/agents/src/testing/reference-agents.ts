import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentsClient } from '@distillery/proto';
import { freePort, type RunningApp, startApp } from '@distillery/service-kit';
import { agentsService } from '../agents.service-definition.js';

export interface ReferenceAgentsOptions {
  /** The dealership's seed. */
  readonly seed: number;
  /** The one tenant, with the API key `<tenant>-key`. */
  readonly tenant: string;
  /** More environment, over the defaults (e.g. a higher rate limit, admin tenants, a real database). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface ReferenceAgents {
  readonly app: RunningApp;
  /** host:port of the gRPC API. */
  readonly address: string;
  /** A grpc-js client of the tenant. */
  readonly client: AgentsClient;
  close(): Promise<void>;
}

/**
 * The agents service alone in this process, for tests and benchmarks: its own data directory, a free
 * gRPC port, the reference teacher without mistakes, rate limits out of the way, one tenant.
 */
export async function startReferenceAgents(options: ReferenceAgentsOptions): Promise<ReferenceAgents> {
  const dataDir = await mkdtemp(join(tmpdir(), 'distillery-agents-'));
  try {
    const port = await freePort();
    const app = await startApp([agentsService], {
      name: 'agents',
      defaultPort: 0,
      env: {
        DISTILLERY_DATA_DIR: dataDir,
        DISTILLERY_LOG_LEVEL: 'silent',
        DISTILLERY_AGENTS_GRPC_PORT: String(port),
        DISTILLERY_AGENTS_SEED: String(options.seed),
        DISTILLERY_AGENTS_MISTAKE_RATE: '0',
        DISTILLERY_AGENTS_RATE_PER_MINUTE: '100000',
        DISTILLERY_AGENTS_RATE_BURST: '1000',
        DISTILLERY_AGENTS_API_KEYS: `${options.tenant}-key:${options.tenant}`,
        ...options.env,
      },
    });
    const address = `127.0.0.1:${port}`;
    const client = new AgentsClient({ address, apiKey: `${options.tenant}-key`, timeoutMs: 30_000 });
    return {
      app,
      address,
      client,
      close: async () => {
        client.close();
        await app.close();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}
