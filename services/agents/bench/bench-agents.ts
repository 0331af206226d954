import { createScratchDatabase } from '@distillery/testing';
import { type ReferenceAgents, startReferenceAgents } from '../src/testing/reference-agents.js';

/**
 * The reference agents a benchmark or load test drives, rate limits out of the way: embedded
 * (PGlite) by default, on the real Kafka and a scratch PostgreSQL database when
 * DISTILLERY_TEST_KAFKA_BROKERS and DISTILLERY_TEST_DATABASE_URL are set. `close` drops the scratch database too.
 */
export async function startBenchAgents(options: { seed: number; tenant: string; env?: Record<string, string> }): Promise<{ agents: ReferenceAgents; mode: string; close(): Promise<void> }> {
  const brokers = process.env.DISTILLERY_TEST_KAFKA_BROKERS;
  const databaseUrl = process.env.DISTILLERY_TEST_DATABASE_URL;
  const scratch = brokers && databaseUrl ? await createScratchDatabase(databaseUrl) : undefined;
  const agents = await startReferenceAgents({
    seed: options.seed,
    tenant: options.tenant,
    env: {
      DISTILLERY_AGENTS_RATE_PER_MINUTE: '10000000',
      DISTILLERY_AGENTS_RATE_BURST: '100000',
      ...(scratch ? { DISTILLERY_MODE: 'distributed', DISTILLERY_KAFKA_BROKERS: brokers!, DISTILLERY_DATABASE_URL: scratch.url } : {}),
      ...options.env,
    },
  });
  return {
    agents,
    mode: scratch ? 'distributed (Kafka, PostgreSQL)' : 'embedded (in-process bus, PGlite)',
    close: async () => {
      await agents.close();
      await scratch?.drop();
    },
  };
}
