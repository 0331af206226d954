import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ComputeConfig, loadComputeConfig } from './compute-config.js';

/** The repository root, found from this compiled file (packages/compute/dist/src/). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

/** Where compute/bootstrap.sh puts the compute plane's Python. */
export const DEFAULT_COMPUTE_PYTHON = resolve(REPO_ROOT, 'compute/.venv/bin/python');

/**
 * The compute plane's Python: DISTILLERY_COMPUTE_PYTHON when set, else the repository's venv when
 * compute/bootstrap.sh has made it, else undefined. Throws ConfigError for a variable that points nowhere.
 */
export function computePython(config: ComputeConfig = loadComputeConfig()): string | undefined {
  if (config.DISTILLERY_COMPUTE_PYTHON) return config.DISTILLERY_COMPUTE_PYTHON;
  return existsSync(DEFAULT_COMPUTE_PYTHON) ? DEFAULT_COMPUTE_PYTHON : undefined;
}
