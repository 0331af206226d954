import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ComputeConfig, loadComputeConfig } from './compute-config.js';
import { ComputePythonMissingError } from './errors/compute-python-missing.error.js';

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

/** The Python a job runs on: `given`, else computePython(); throws ComputePythonMissingError when there is none (ConfigError for a bad variable). */
export function requirePython(given?: string): string {
  const python = given ?? computePython();
  if (!python) throw new ComputePythonMissingError(DEFAULT_COMPUTE_PYTHON);
  return python;
}
