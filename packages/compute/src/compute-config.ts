import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfig } from '@distillery/config';
import { z } from 'zod';

/**
 * The compute plane's one setting: which Python runs `distillery_compute`. A path (anything with a
 * slash) must exist and is made absolute, so a job started in another directory finds it; a bare
 * name (`python3`) is looked up on PATH when the job starts.
 */
export const computeConfigSchema = z.object({
  DISTILLERY_COMPUTE_PYTHON: z
    .string()
    .refine((python) => !python.includes('/') || existsSync(python), 'no such file (expected the Python of an environment with distillery_compute installed, e.g. compute/.venv/bin/python)')
    .transform((python) => (python.includes('/') ? resolve(python) : python))
    .optional(),
});

export type ComputeConfig = z.infer<typeof computeConfigSchema>;

/** Throws ConfigError naming DISTILLERY_COMPUTE_PYTHON when it points nowhere. */
export function loadComputeConfig(environment: Readonly<Record<string, string | undefined>> = process.env): ComputeConfig {
  return loadConfig(computeConfigSchema, environment);
}
