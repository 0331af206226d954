import { resolve } from 'node:path';
import { openArtifactStore, type ArtifactStore } from '@distillery/artifacts';
import { type Bus, EmbeddedBus, KafkaBus } from '@distillery/bus';
import { allTopics } from '@distillery/contracts';
import { type Database, openDatabase } from '@distillery/storage';
import type { Logger } from 'pino';
import { Metrics } from './metrics/metrics.js';
import type { PlatformConfig } from './platform-config.js';
import type { ServiceDefinition } from './service-definition.js';
import { kafkaSecurityOf, loadTls, type TlsMaterial } from './tls/tls.js';

/** What every service stands on, opened once per process and shared by the services in it. */
export interface Platform {
  readonly config: PlatformConfig;
  /** The environment the platform config came from; services validate their own settings from it. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly bus: Bus;
  readonly database: Database;
  readonly artifacts: ArtifactStore;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** The TLS the HTTP and gRPC servers answer with (DISTILLERY_TLS_*), read once at boot; undefined: plaintext. */
  readonly tls: TlsMaterial | undefined;
  close(): Promise<void>;
}

export function artifactRootOf(config: PlatformConfig): string {
  return config.DISTILLERY_ARTIFACT_ROOT ?? `file://${resolve(config.DISTILLERY_DATA_DIR, 'artifacts')}`;
}

/**
 * Opens the bus (creating every topic and its DLQ), the database (the services' schemas and
 * migrations) and the artifact store. Embedded mode: in-process bus and PGlite under the data dir.
 */
export async function openPlatform(
  config: PlatformConfig,
  services: readonly ServiceDefinition[],
  logger: Logger,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<Platform> {
  const clientId = services.length === 1 ? `distillery-${services[0]!.name}` : 'distillery-embedded';
  const distributed = config.DISTILLERY_MODE === 'distributed';
  const metrics = new Metrics(services);
  const onDeadLetter = (record: { topic: string }, reason: string) => metrics.deadLetters.inc({ topic: record.topic, reason });
  const tls = loadTls(config);
  const security = distributed ? kafkaSecurityOf(config) : undefined;
  const bus: Bus = distributed
    ? new KafkaBus({
        brokers: config.DISTILLERY_KAFKA_BROKERS ?? [],
        clientId,
        partitions: config.DISTILLERY_TOPIC_PARTITIONS,
        replicationFactor: config.DISTILLERY_TOPIC_REPLICATION,
        maxMessageBytes: config.DISTILLERY_MAX_MESSAGE_BYTES,
        stuckAfterMs: config.DISTILLERY_CONSUMER_STUCK_MS,
        logger: logger.child({ component: 'bus' }),
        onDeadLetter,
        ...(security ? { security } : {}),
      })
    : new EmbeddedBus({
        partitions: config.DISTILLERY_TOPIC_PARTITIONS,
        maxMessageBytes: config.DISTILLERY_MAX_MESSAGE_BYTES,
        stuckAfterMs: config.DISTILLERY_CONSUMER_STUCK_MS,
        logger: logger.child({ component: 'bus' }),
        onDeadLetter,
      });
  await bus.ensureTopics(allTopics());
  const database = await openDatabase({
    target: distributed
      ? { kind: 'postgres', url: config.DISTILLERY_DATABASE_URL ?? '', poolSize: config.DISTILLERY_DATABASE_POOL }
      : { kind: 'pglite', dataDir: resolve(config.DISTILLERY_DATA_DIR, 'pglite') },
    schemas: services.map((service) => service.schema),
    migrations: services.flatMap((service) => service.migrations),
    entities: services.flatMap((service) => service.entities ?? []),
  });
  const artifacts = openArtifactStore(artifactRootOf(config));
  logger.info({ bus: bus.adapter, database: database.target, artifacts: artifactRootOf(config), services: services.map((s) => s.name) }, 'platform open');
  return {
    config,
    env,
    bus,
    database,
    artifacts,
    logger,
    metrics,
    tls,
    close: async () => {
      await bus.close();
      await database.close();
    },
  };
}
