import { readFileSync } from 'node:fs';
import type { KafkaSecurity } from '@distillery/bus';
import { ConfigError } from '@distillery/config';
import type { PlatformConfig } from '../platform-config.js';

/** A service's TLS material, read at boot from the PEM files its config names. */
export interface TlsMaterial {
  readonly cert: Buffer;
  readonly key: Buffer;
  /** The CA that signs the clients' certificates (mutual TLS) and the peers this service calls. */
  readonly ca?: Buffer;
  /** Mutual TLS: a client must present a certificate the CA signed. */
  readonly requireClientCert: boolean;
}

/**
 * The TLS material of DISTILLERY_TLS_CERT / _KEY / _CA / _CLIENT_AUTH, or undefined when TLS is off
 * (no certificate set). A file that cannot be read is a ConfigError naming its variable.
 */
export function loadTls(config: Pick<PlatformConfig, 'DISTILLERY_TLS_CERT' | 'DISTILLERY_TLS_KEY' | 'DISTILLERY_TLS_CA' | 'DISTILLERY_TLS_CLIENT_AUTH'>): TlsMaterial | undefined {
  if (!config.DISTILLERY_TLS_CERT || !config.DISTILLERY_TLS_KEY) return undefined;
  const problems: string[] = [];
  const read = (variable: string, path: string | undefined): Buffer | undefined => {
    if (!path) return undefined;
    try {
      return readFileSync(path);
    } catch (error) {
      problems.push(`${variable}: cannot read ${JSON.stringify(path)} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
      return undefined;
    }
  };
  const cert = read('DISTILLERY_TLS_CERT', config.DISTILLERY_TLS_CERT);
  const key = read('DISTILLERY_TLS_KEY', config.DISTILLERY_TLS_KEY);
  const ca = read('DISTILLERY_TLS_CA', config.DISTILLERY_TLS_CA);
  if (problems.length > 0 || !cert || !key) throw new ConfigError(problems);
  return { cert, key, ...(ca ? { ca } : {}), requireClientCert: config.DISTILLERY_TLS_CLIENT_AUTH };
}

/** The Kafka client's TLS and SASL settings from DISTILLERY_KAFKA_TLS / _CA / _SASL_MECHANISM / _USERNAME / _PASSWORD; undefined: plaintext, no SASL. */
export function kafkaSecurityOf(config: Pick<PlatformConfig, 'DISTILLERY_KAFKA_TLS' | 'DISTILLERY_KAFKA_CA' | 'DISTILLERY_KAFKA_SASL_MECHANISM' | 'DISTILLERY_KAFKA_USERNAME' | 'DISTILLERY_KAFKA_PASSWORD'>): KafkaSecurity | undefined {
  let ssl: KafkaSecurity['ssl'];
  if (config.DISTILLERY_KAFKA_CA) {
    try {
      ssl = { ca: [readFileSync(config.DISTILLERY_KAFKA_CA, 'utf8')] };
    } catch (error) {
      throw new ConfigError([`DISTILLERY_KAFKA_CA: cannot read ${JSON.stringify(config.DISTILLERY_KAFKA_CA)} (${(error as NodeJS.ErrnoException).code ?? 'error'})`]);
    }
  } else if (config.DISTILLERY_KAFKA_TLS) ssl = true;
  const mechanism = config.DISTILLERY_KAFKA_SASL_MECHANISM;
  const sasl = mechanism && config.DISTILLERY_KAFKA_USERNAME && config.DISTILLERY_KAFKA_PASSWORD ? { mechanism, username: config.DISTILLERY_KAFKA_USERNAME, password: config.DISTILLERY_KAFKA_PASSWORD } : undefined;
  if (!ssl && !sasl) return undefined;
  return { ...(ssl ? { ssl } : {}), ...(sasl ? { sasl } : {}) };
}
