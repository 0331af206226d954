import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, found from this compiled file (packages/cli/dist/src/). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

/** The compute plane's Python, when compute/bootstrap.sh has made its venv. */
export function computePython(): string | undefined {
  const python = resolve(REPO_ROOT, 'compute/.venv/bin/python');
  return existsSync(python) ? python : undefined;
}
