import { computePython, DEFAULT_COMPUTE_PYTHON } from './compute-python.js';
import { runComputeJob } from './compute-job.js';

export type ComputeInfo = { readonly available: false; readonly reason: string } | { readonly available: true; readonly info: Record<string, unknown> };

/** Asks the compute plane what it can use (`python -m distillery_compute info`, one JSON line); never throws. */
export async function computeInfo(options: { readonly python?: string; readonly timeoutMs?: number } = {}): Promise<ComputeInfo> {
  let python: string | undefined;
  try {
    python = options.python ?? computePython();
  } catch (error) {
    return { available: false, reason: (error as Error).message };
  }
  if (!python) return { available: false, reason: `${DEFAULT_COMPUTE_PYTHON} missing: run bash compute/bootstrap.sh (or set DISTILLERY_COMPUTE_PYTHON)` };
  try {
    const info = await runComputeJob(['info'], { python, resultEvent: 'info', signal: AbortSignal.timeout(options.timeoutMs ?? 120_000) });
    return { available: true, info: { ...info } };
  } catch (error) {
    return { available: false, reason: `python -m distillery_compute info failed: ${(error as Error).message}` };
  }
}
