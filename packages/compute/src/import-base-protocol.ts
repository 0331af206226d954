import type { ComputeEvent } from './compute-event.js';
import { type ComputeJobOptions, runComputeJob } from './compute-job.js';

/** The pretrained bases `import-base` brings in from an installed package (compute/distillery_compute/bases.py). */
export const IMPORTABLE_BASES = ['smollm2-135m'] as const;
export type ImportableBase = (typeof IMPORTABLE_BASES)[number];

/** What `python -m distillery_compute import-base` is asked to do (compute/README.md, "A pretrained base from a package"). */
export interface ImportBaseOptions {
  readonly preset: ImportableBase;
  /** The checkpoint dir it writes (atomically), or verifies when a finished import is there. */
  readonly out: string;
}

/** The last line: the checkpoint dir, the source file's sha256 and licence; `skipped` when a finished import was only verified. */
export interface ImportBaseDoneEvent extends ComputeEvent {
  readonly event: 'done';
  readonly preset: string;
  readonly out: string;
  readonly source: string;
  readonly sha256: string;
  readonly license: string;
  readonly files: readonly string[];
  readonly params: number;
  readonly skipped: boolean;
  readonly wall_s: number;
}

/** The command line of `import-base` after `python -m distillery_compute`. */
export function importBaseArgs(options: ImportBaseOptions): string[] {
  return ['import-base', '--preset', options.preset, '--out', options.out];
}

/** Runs `import-base` and resolves with its done line (exit 2, a damaged or foreign source or out dir: ComputeJobError with `badInput`). */
export function runImportBase(options: ImportBaseOptions, job: Omit<ComputeJobOptions, 'resultEvent'> = {}): Promise<ImportBaseDoneEvent> {
  return runComputeJob<ImportBaseDoneEvent>(importBaseArgs(options), job);
}
