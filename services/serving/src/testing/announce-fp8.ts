import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ArtifactStore } from '@distillery/artifacts';
import { type ArtifactRef, type CheckpointFp8, checkpointFp8Contract, encodeEvent } from '@distillery/contracts';
import type { RunningApp } from '@distillery/service-kit';
import { DRAFTER_FILES } from '../models/drafter-materializer.js';
import { QUANTIZE_JOB_FILE } from '../models/fp8-materializer.js';

const CALIBRATION_SETS = ['public', 'in-domain', 'mixed'] as const;

/**
 * Stores a quantize run dir (`python -m distillery_compute quantize --run-dir`: manifest.json,
 * student/, drafter/ when it quantized one) the way the quantizer service does: every file of the
 * FP8 student and the EAGLE-3 layout of the FP8 drafter into the artifact store, each dir as a file
 * manifest, the run's manifest.json as quantize-job.json of the `fp8` manifest; returns the
 * checkpoints.fp8 message.
 */
export async function storeFp8Version(
  store: ArtifactStore,
  runDir: string,
  ids: { readonly modelId: string; readonly checkpointId: string; readonly drafterId?: string },
): Promise<CheckpointFp8> {
  const manifestText = await readFile(join(runDir, 'manifest.json'), 'utf8');
  const manifest = JSON.parse(manifestText) as { calibration?: { set?: string; samples?: number }; clip_rates?: { total?: number; layers?: Record<string, number> } };
  const runFile = await store.put(manifestText, { kind: 'fp8-job-manifest' });
  const fp8Id = `fp8_${runFile.sha256.slice(0, 12)}`;
  const manifestRef = await store.putManifest({ id: fp8Id, kind: 'fp8', createdAt: new Date().toISOString(), createdBy: 'serving-test', files: { [QUANTIZE_JOB_FILE]: runFile }, parents: [] });
  const stored = async (dir: string, names: readonly string[], kind: string, id: string): Promise<ArtifactRef> => {
    const files: Record<string, ArtifactRef> = {};
    for (const name of names) files[name] = await store.put({ path: join(dir, name) }, { kind: name === 'model.safetensors' ? 'safetensors-fp8' : `${kind}-file` });
    return store.putManifest({ id, kind, createdAt: new Date().toISOString(), createdBy: 'serving-test', files, parents: [] });
  };
  const studentDir = join(runDir, 'student');
  const studentFiles = (await readdir(studentDir, { withFileTypes: true })).filter((entry) => entry.isFile()).map((entry) => entry.name);
  const student = await stored(studentDir, studentFiles, 'fp8-student', `${fp8Id}.student`);
  const drafter = ids.drafterId ? await stored(join(runDir, 'drafter'), DRAFTER_FILES, 'fp8-drafter', `${fp8Id}.drafter`) : undefined;
  const set = CALIBRATION_SETS.find((name) => name === manifest.calibration?.set) ?? 'mixed';
  return {
    modelId: ids.modelId,
    checkpointId: ids.checkpointId,
    ...(ids.drafterId ? { drafterId: ids.drafterId } : {}),
    format: 'fp8-e4m3-w8a8-static-per-tensor',
    manifest: manifestRef,
    student,
    ...(drafter ? { drafter } : {}),
    calibration: { set, samples: manifest.calibration?.samples ?? 0 },
    clipRates: { total: manifest.clip_rates?.total ?? 0, ...manifest.clip_rates?.layers },
    lineage: { checkpointId: ids.checkpointId, ...(ids.drafterId ? { drafterId: ids.drafterId } : {}), parentEventIds: [] },
  };
}

/** Stores a quantize run dir (storeFp8Version) and announces it on checkpoints.fp8 on the app's bus. */
export async function announceFp8(app: RunningApp, runDir: string, ids: { readonly modelId: string; readonly checkpointId: string; readonly drafterId?: string }): Promise<CheckpointFp8> {
  const fp8 = await storeFp8Version(app.platform.artifacts, runDir, ids);
  await app.platform.bus.publish(checkpointFp8Contract.topic, [encodeEvent(checkpointFp8Contract, fp8, { source: 'serving-test' })]);
  return fp8;
}
