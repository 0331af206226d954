import { resolve } from 'node:path';
import { type ImportableBase, type ImportBaseDoneEvent, runImportBase } from '@distillery/compute';
import type { Platform } from '@distillery/service-kit';

export interface BaseImporterOptions {
  /** The platform's data dir: a base is imported into `<dataDir>/bases/<preset>`. */
  readonly dataDir: string;
  /** The compute plane's Python (default: DISTILLERY_COMPUTE_PYTHON, else compute/.venv). */
  readonly python?: string;
  readonly killGraceMs?: number;
}

/**
 * Brings a packaged pretrained base (smollm2-135m) into `<dataDir>/bases/<preset>` with `python -m
 * distillery_compute import-base` before the job that trains on it. The first job imports it (about
 * 15 s on 2 cores); every later one runs the same command, which only verifies the dir against its
 * manifest and the pinned source sha256 (`skipped`, about a second), so a damaged base is redone,
 * never trained on. Jobs on one replica share one import at a time.
 */
export class BaseImporter {
  private readonly running = new Map<string, Promise<ImportBaseDoneEvent>>();

  constructor(private readonly options: BaseImporterOptions) {}

  /** The checkpoint dir a preset's base is imported into. */
  dirOf(preset: ImportableBase): string {
    return resolve(this.options.dataDir, 'bases', preset);
  }

  /** The imported (or verified) base: its dir, source sha256 and licence. */
  async ensure(preset: ImportableBase, context: { readonly signal?: AbortSignal; readonly logger: Platform['logger'] }): Promise<ImportBaseDoneEvent> {
    const pending = this.running.get(preset);
    if (pending) return pending;
    const importing = runImportBase(
      { preset, out: this.dirOf(preset) },
      {
        logger: context.logger,
        ...(context.signal ? { signal: context.signal } : {}),
        ...(this.options.python ? { python: this.options.python } : {}),
        ...(this.options.killGraceMs !== undefined ? { killGraceMs: this.options.killGraceMs } : {}),
      },
    ).finally(() => this.running.delete(preset));
    this.running.set(preset, importing);
    const done = await importing;
    context.logger.info({ preset, dir: done.out, sha256: done.sha256, license: done.license, skipped: done.skipped, wallSeconds: done.wall_s }, done.skipped ? 'base verified' : 'base imported');
    return done;
  }
}
