import { z } from 'zod';
import { ConfigError } from './config.error.js';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Validates the environment against a schema whose keys are the variable names, so every error
 * names the variable: `DISTILLERY_TOPIC_PARTITIONS: expected an integer ≥ 1, got "zero"`.
 * Empty strings count as unset.
 */
export function loadConfig<S extends z.ZodObject>(schema: S, env: Env = process.env): z.infer<S> {
  const input: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') input[key] = value;
  }
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new ConfigError(
    parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '(config)');
      const given = input[name];
      return `${name}: ${issue.message}${given === undefined ? ' (not set)' : `, got ${shown(name, given)}`}`;
    }),
  );
}

/** Variables whose value is a secret: an error names them but never shows what they hold. */
const SECRET_NAME = /(KEY|KEYS|PASSWORD|SECRET|TOKEN)$/;

/** A bad value as an error may show it: quoted, a secret withheld, a URL's password masked. */
function shown(name: string, value: string): string {
  if (SECRET_NAME.test(name)) return `a value of ${value.length} characters (not shown: a secret)`;
  return JSON.stringify(value.replace(/(\/\/[^:/@\s]*:)[^@\s]*@/, '$1***@'));
}

/** Reusable field types for environment variables. */
export const env = {
  int: (min: number, fallback?: number) => {
    const field = z.coerce.number({ error: `expected an integer ≥ ${min}` }).int(`expected an integer ≥ ${min}`).min(min, `expected an integer ≥ ${min}`);
    return fallback === undefined ? field : field.default(fallback);
  },
  /** An integer from `min` to `max`, both included. */
  intBetween: (min: number, max: number, fallback: number) => {
    const expected = `expected an integer from ${min} to ${max}`;
    return z.coerce.number({ error: expected }).int(expected).min(min, expected).max(max, expected).default(fallback);
  },
  port: (fallback: number) => z.coerce.number({ error: 'expected a TCP port (0–65535)' }).int().min(0).max(65535, 'expected a TCP port (0–65535)').default(fallback),
  oneOf: <const T extends readonly [string, ...string[]]>(values: T, fallback: T[number]) =>
    z.enum(values, { error: `expected one of ${values.join(', ')}` }).default(fallback as never),
  brokers: () =>
    z
      .string()
      .regex(/^[^\s,:]+:\d+(,[^\s,:]+:\d+)*$/, 'expected a comma-separated list of host:port')
      .transform((value) => value.split(',')),
  postgresUrl: () => z.string().regex(/^postgres(ql)?:\/\/\S+$/, 'expected a postgres:// URL'),
  bool: (fallback: boolean) =>
    z
      .enum(['true', 'false', '1', '0'], { error: 'expected true or false' })
      .transform((value) => value === 'true' || value === '1')
      .default(fallback),
  text: (fallback: string) => z.string().min(1).default(fallback),
};
