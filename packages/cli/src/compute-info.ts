import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { computePython } from './repo-paths.js';

export type ComputeInfo = { readonly available: false; readonly reason: string } | { readonly available: true; readonly info: Record<string, unknown> };

/** Asks the compute plane what it can use (`python -m distillery_compute info`, one JSON line). */
export async function computeInfo(): Promise<ComputeInfo> {
  const python = computePython();
  if (!python) return { available: false, reason: 'compute/.venv missing: run bash compute/bootstrap.sh' };
  try {
    const { stdout } = await promisify(execFile)(python, ['-m', 'distillery_compute', 'info'], { timeout: 120_000 });
    const line = stdout.trim().split('\n').at(-1) ?? '';
    return { available: true, info: JSON.parse(line) as Record<string, unknown> };
  } catch (error) {
    return { available: false, reason: `python -m distillery_compute info failed: ${(error as Error).message}` };
  }
}
