import { createHash } from 'node:crypto';
import { copyFile, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { canonicalJson } from '@distillery/artifacts';

/** The files of a quantize run dir that hold its calibration (every set and length's ranges) and its sweep (their clip rates): what a rerun in that dir reuses. */
export const CALIBRATION_FILES = ['calibration.json', 'sweep.json'] as const;

/** Calibrations kept; the least recently kept go first (a later job on their student just calibrates again). */
const KEPT = 32;

/** What a calibration and its sweep depend on: the student's weights, the calibration texts and held-out rows, and the settings that pick from them. */
export interface CalibrationInputs {
  readonly weightsSha256: string;
  readonly calibrationSha256: string;
  readonly evalSha256: string;
  readonly samples: number;
  readonly testLimit: number;
  readonly testMaxTokens: number;
  readonly quantizeLmHead: boolean;
}

/** How a run dir came by its calibration: its own (an earlier attempt of the job), one kept from an earlier job, or none yet (the compute job makes it). */
export type CalibrationSource = 'own' | 'reused' | 'none';

/**
 * Calibrations of finished jobs, by what they depend on (`<root>/<sha256 of the inputs>/`), so
 * that the job quantizing a student with its drafter reuses the calibration and sweep of the job
 * that quantized the student alone: the compute job reuses those files when its run dir has them.
 */
export class CalibrationCache {
  constructor(private readonly root: string) {}

  static keyOf(inputs: CalibrationInputs): string {
    return createHash('sha256').update(canonicalJson(inputs)).digest('hex');
  }

  /** Copies a kept calibration into `runDir` unless it has one of its own. */
  async seed(inputs: CalibrationInputs, runDir: string): Promise<CalibrationSource> {
    if (await exists(join(runDir, CALIBRATION_FILES[0]))) return 'own';
    const kept = join(this.root, CalibrationCache.keyOf(inputs));
    if (!(await exists(join(kept, CALIBRATION_FILES[0])))) return 'none';
    await mkdir(runDir, { recursive: true });
    // The sweep after the calibration: a run dir never holds a sweep without the calibration it was measured with.
    for (const name of [...CALIBRATION_FILES].reverse()) await rm(join(runDir, name), { force: true });
    for (const name of CALIBRATION_FILES) if (await exists(join(kept, name))) await copyAtomically(join(kept, name), join(runDir, name));
    return 'reused';
  }

  /** Keeps a finished run's calibration and sweep for the next job on the same inputs. */
  async keep(inputs: CalibrationInputs, runDir: string): Promise<void> {
    if (!(await exists(join(runDir, CALIBRATION_FILES[0])))) return;
    const key = CalibrationCache.keyOf(inputs);
    const staging = join(this.root, `${key}.staging-${process.pid}`);
    await rm(staging, { recursive: true, force: true });
    await mkdir(staging, { recursive: true });
    for (const name of CALIBRATION_FILES) if (await exists(join(runDir, name))) await copyFile(join(runDir, name), join(staging, name));
    await rm(join(this.root, key), { recursive: true, force: true });
    await rename(staging, join(this.root, key));
    await this.prune();
  }

  private async prune(): Promise<void> {
    const entries = (await readdir(this.root, { withFileTypes: true })).filter((entry) => entry.isDirectory() && /^[0-9a-f]{64}$/.test(entry.name));
    if (entries.length <= KEPT) return;
    const dated = await Promise.all(entries.map(async (entry) => ({ path: join(this.root, entry.name), at: (await stat(join(this.root, entry.name))).mtimeMs })));
    for (const old of dated.sort((a, b) => b.at - a.at).slice(KEPT)) await rm(old.path, { recursive: true, force: true });
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function copyAtomically(from: string, to: string): Promise<void> {
  const temporary = `${to}.tmp-${process.pid}`;
  await copyFile(from, temporary);
  await rename(temporary, to);
}
