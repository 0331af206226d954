import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError } from './config.error.js';
import { env, loadConfig } from './load-config.js';

const schema = z.object({
  DISTILLERY_TOPIC_PARTITIONS: env.int(1, 3),
  DISTILLERY_HTTP_PORT: env.port(8080),
  DISTILLERY_MODE: env.oneOf(['embedded', 'distributed'] as const, 'embedded'),
  DISTILLERY_KAFKA_BROKERS: env.brokers().optional(),
  DISTILLERY_STRICT: env.bool(false),
  DISTILLERY_TURNS: env.intBetween(1, 10, 4),
  DISTILLERY_API_KEYS: z.string().regex(/^\w+:\w+$/, 'expected key:tenant').optional(),
  DISTILLERY_DATABASE_URL: env.postgresUrl().optional(),
});

describe('loadConfig', () => {
  it('applies defaults and coerces values', () => {
    const config = loadConfig(schema, { DISTILLERY_KAFKA_BROKERS: 'a:1,b:2', DISTILLERY_HTTP_PORT: '', DISTILLERY_STRICT: 'true' });
    expect(config).toEqual({
      DISTILLERY_TOPIC_PARTITIONS: 3,
      DISTILLERY_HTTP_PORT: 8080,
      DISTILLERY_MODE: 'embedded',
      DISTILLERY_KAFKA_BROKERS: ['a:1', 'b:2'],
      DISTILLERY_STRICT: true,
      DISTILLERY_TURNS: 4,
    });
  });

  it('takes a bounded integer within its bounds and names them otherwise', () => {
    expect(loadConfig(schema, { DISTILLERY_TURNS: '10' }).DISTILLERY_TURNS).toBe(10);
    for (const bad of ['0', '11', '2.5', 'four']) expect(() => loadConfig(schema, { DISTILLERY_TURNS: bad })).toThrow(/DISTILLERY_TURNS: expected an integer from 1 to 10/);
  });

  it('fails naming every bad variable and its value', () => {
    let error: unknown;
    try {
      loadConfig(schema, { DISTILLERY_TOPIC_PARTITIONS: 'zero', DISTILLERY_MODE: 'cloud', DISTILLERY_KAFKA_BROKERS: 'localhost' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toMatch(/DISTILLERY_TOPIC_PARTITIONS: expected an integer ≥ 1.*"zero"/);
    expect(message).toMatch(/DISTILLERY_MODE: expected one of embedded, distributed, got "cloud"/);
    expect(message).toMatch(/DISTILLERY_KAFKA_BROKERS: expected a comma-separated list of host:port, got "localhost"/);
    expect((error as ConfigError).problems).toHaveLength(3);
  });

  it('names a bad secret without showing it, and masks a URL password', () => {
    const message = (() => {
      try {
        loadConfig(schema, { DISTILLERY_API_KEYS: 'sk-very-secret tenant', DISTILLERY_DATABASE_URL: 'mysql://app:hunter2@db:5432/x' });
      } catch (error) {
        return (error as ConfigError).message;
      }
      return '';
    })();
    expect(message).toContain('DISTILLERY_API_KEYS: expected key:tenant, got a value of 21 characters (not shown: a secret)');
    expect(message).toContain('DISTILLERY_DATABASE_URL: expected a postgres:// URL, got "mysql://app:***@db:5432/x"');
    expect(message).not.toMatch(/sk-very-secret|hunter2/);
  });
});
