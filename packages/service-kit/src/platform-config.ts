import { env, loadConfig } from '@distillery/config';
import { z } from 'zod';
import { apiKeysSetting } from './auth/api-keys.js';

/** The development key: the embedded run's and every client's default (`x-api-key: dev-key`). */
export const DEV_API_KEY = 'dev-key';
const DEV_API_KEYS = `${DEV_API_KEY}:dev:admin`;

/**
 * Every variable a service reads, validated at boot. Embedded mode needs none of them; distributed
 * mode needs the broker list and the database URL.
 */
export const platformConfigSchema = z
  .object({
    DISTILLERY_MODE: env.oneOf(['embedded', 'distributed'] as const, 'embedded'),
    DISTILLERY_KAFKA_BROKERS: env.brokers().optional(),
    DISTILLERY_TOPIC_PARTITIONS: env.int(1, 3),
    DISTILLERY_TOPIC_REPLICATION: env.int(1, 1),
    DISTILLERY_DATABASE_URL: env.postgresUrl().optional(),
    DISTILLERY_DATABASE_POOL: env.int(1, 10),
    DISTILLERY_DATA_DIR: env.text('.distillery'),
    DISTILLERY_ARTIFACT_ROOT: z.string().regex(/^(file|s3):\/\/\S+$/, 'expected a file:// or s3:// URI').optional(),
    DISTILLERY_HTTP_HOST: env.text('127.0.0.1'),
    DISTILLERY_HTTP_PORT: env.port(0).optional(),
    /** `key:tenant:role,…` (roles product, operator, admin) every HTTP API and the serving gRPC API accept; the default is one development key, warned of at boot in distributed mode. */
    DISTILLERY_API_KEYS: apiKeysSetting(DEV_API_KEYS, 'product'),
    /** `/health` and `/metrics` answer without a key (probes, scrapers); false: they need an operator's. */
    DISTILLERY_OPEN_PROBES: env.bool(true),
    /** PEM files: with a certificate and its key, the HTTP API and the gRPC APIs answer over TLS only. */
    DISTILLERY_TLS_CERT: z.string().min(1).optional(),
    DISTILLERY_TLS_KEY: z.string().min(1).optional(),
    /** The CA of the clients' certificates (mutual TLS) and of the peers this service calls over TLS. */
    DISTILLERY_TLS_CA: z.string().min(1).optional(),
    /** Mutual TLS: refuse a client without a certificate DISTILLERY_TLS_CA signed. */
    DISTILLERY_TLS_CLIENT_AUTH: env.bool(false),
    /** Kafka over TLS (with DISTILLERY_KAFKA_CA: the brokers' CA, else the system's). */
    DISTILLERY_KAFKA_TLS: env.bool(false),
    DISTILLERY_KAFKA_CA: z.string().min(1).optional(),
    /** SASL on the Kafka connection; then DISTILLERY_KAFKA_USERNAME and DISTILLERY_KAFKA_PASSWORD. */
    DISTILLERY_KAFKA_SASL_MECHANISM: z.enum(['plain', 'scram-sha-256', 'scram-sha-512'], { error: 'expected plain, scram-sha-256 or scram-sha-512' }).optional(),
    DISTILLERY_KAFKA_USERNAME: z.string().min(1).optional(),
    DISTILLERY_KAFKA_PASSWORD: z.string().min(1).optional(),
    /** An OTLP/HTTP traces endpoint (`http://collector:4318/v1/traces`): spans are exported there. Unset (the default): spans are made, carried and logged by id, never exported. */
    DISTILLERY_OTLP_TRACES_URL: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL, e.g. http://collector:4318/v1/traces' }).optional(),
    DISTILLERY_LOG_LEVEL: env.oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
    DISTILLERY_MAX_MESSAGE_BYTES: env.int(1024, 1_048_576),
    DISTILLERY_CONSUMER_STUCK_MS: env.int(1, 30_000),
    DISTILLERY_SHUTDOWN_TIMEOUT_MS: env.int(100, 15_000),
  })
  .superRefine((config, context) => {
    if (!config.DISTILLERY_TLS_CERT !== !config.DISTILLERY_TLS_KEY) context.addIssue({ code: 'custom', path: [config.DISTILLERY_TLS_CERT ? 'DISTILLERY_TLS_KEY' : 'DISTILLERY_TLS_CERT'], message: 'DISTILLERY_TLS_CERT and DISTILLERY_TLS_KEY go together' });
    if (config.DISTILLERY_TLS_CLIENT_AUTH && (!config.DISTILLERY_TLS_CA || !config.DISTILLERY_TLS_CERT)) context.addIssue({ code: 'custom', path: ['DISTILLERY_TLS_CLIENT_AUTH'], message: 'mutual TLS needs DISTILLERY_TLS_CERT, DISTILLERY_TLS_KEY and DISTILLERY_TLS_CA' });
    if (config.DISTILLERY_KAFKA_SASL_MECHANISM) {
      for (const name of ['DISTILLERY_KAFKA_USERNAME', 'DISTILLERY_KAFKA_PASSWORD'] as const) {
        if (!config[name]) context.addIssue({ code: 'custom', path: [name], message: 'required with DISTILLERY_KAFKA_SASL_MECHANISM' });
      }
    }
    if (config.DISTILLERY_MODE !== 'distributed') return;
    for (const name of ['DISTILLERY_KAFKA_BROKERS', 'DISTILLERY_DATABASE_URL'] as const) {
      if (config[name] === undefined) context.addIssue({ code: 'custom', path: [name], message: 'required when DISTILLERY_MODE=distributed' });
    }
  });

export type PlatformConfig = z.infer<typeof platformConfigSchema>;

export function loadPlatformConfig(environment: Readonly<Record<string, string | undefined>> = process.env): PlatformConfig {
  return loadConfig(platformConfigSchema, environment);
}
