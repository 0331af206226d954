import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './repo-root.js';

/** The real servers integration tests run against, as `npm test` starts them (infra/). */
export interface IntegrationServers {
  readonly kafkaBrokers: string[];
  readonly databaseUrl: string;
}

/**
 * The servers from DISTILLERY_TEST_KAFKA_BROKERS and DISTILLERY_TEST_DATABASE_URL, or undefined
 * when they are not set (a developer running vitest alone): the suite then skips. Under CI they
 * must be set — a missing server fails the run rather than skipping silently.
 */
export function integrationServers(): IntegrationServers | undefined {
  const brokers = process.env.DISTILLERY_TEST_KAFKA_BROKERS;
  const databaseUrl = process.env.DISTILLERY_TEST_DATABASE_URL;
  if (brokers && databaseUrl) return { kafkaBrokers: brokers.split(','), databaseUrl };
  if (process.env.CI === 'true') {
    throw new Error('CI=true but DISTILLERY_TEST_KAFKA_BROKERS / DISTILLERY_TEST_DATABASE_URL are not set: run the tests with `npm test`, which starts Kafka and PostgreSQL');
  }
  return undefined;
}

/** Stops or starts the test broker (infra/kafka/kafka.sh), keeping its data. */
export async function kafkaControl(command: 'stop' | 'start' | 'restart' | 'status'): Promise<void> {
  await promisify(execFile)('bash', [resolve(REPO_ROOT, 'infra/kafka/kafka.sh'), command], { timeout: 180_000 });
}
