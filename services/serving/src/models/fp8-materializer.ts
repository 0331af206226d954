import { join } from 'node:path';
import { ArtifactIntegrityError, ArtifactNotFoundError, type ArtifactStore, linkArtifacts, UnsafeFileNameError } from '@distillery/artifacts';
import type { ArtifactRef, CheckpointBf16, CheckpointFp8 } from '@distillery/contracts';
import { ZodError } from 'zod';
import { safeSegment } from './checkpoint-materializer.js';
import { DRAFTER_FILES } from './drafter-materializer.js';
import type { QuantizerManifest } from './fp8-gate.js';
import { fp8IdOf } from './model-catalog.js';
import { checkOwnManifest } from './own-manifest.js';

/** An FP8 version that cannot be served: its figures fail the gate, its artifacts are missing or not the announced bytes, it was quantized from other weights, or the engine refuses it. */
export class Fp8RefusedError extends Error {
  override readonly name = 'Fp8RefusedError';
}

/** An FP8 drafter that cannot be served with its FP8 student: measured too slow, artifacts missing or not the announced bytes, or refused by the engine. */
export class Fp8DrafterRefusedError extends Error {
  override readonly name = 'Fp8DrafterRefusedError';
}

/** What a store failure reading an FP8 version's artifacts becomes: `refuse` for bytes that are missing, damaged or not what they should be; anything else is rethrown. */
async function refusing<T>(refuse: (message: string) => Error, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ArtifactIntegrityError || error instanceof ArtifactNotFoundError || error instanceof UnsafeFileNameError || error instanceof SyntaxError || error instanceof ZodError) {
      throw refuse(error instanceof ZodError ? `not a file manifest: ${error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}` : error.message);
    }
    throw error;
  }
}

const refuseVersion = (message: string) => new Fp8RefusedError(message);
const refuseDrafter = (message: string) => new Fp8DrafterRefusedError(message);

/** `<root>/<model id>/<checkpoint id>~fp8/<fp8 id>`: where an FP8 version's student/ and drafter/ are linked. */
export function fp8Dir(root: string, fp8: CheckpointFp8): string {
  return join(root, safeSegment(fp8.modelId), `${safeSegment(fp8.checkpointId)}~fp8`, fp8IdOf(fp8));
}

/** The name the quantizer stores the quantize run's manifest.json under in the fp8 file manifest (services/quantizer publish-fp8.ts). */
export const QUANTIZE_JOB_FILE = 'quantize-job.json';

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The quantize run's manifest.json the announcement names, hash-checked: its `manifest` artifact is
 * the quantizer's fp8 file manifest listing it as quantize-job.json (or, written by hand, the
 * run's manifest.json itself). Throws Fp8RefusedError.
 */
export async function readQuantizerManifest(store: ArtifactStore, fp8: CheckpointFp8): Promise<QuantizerManifest> {
  return refusing(refuseVersion, async () => {
    let manifest = JSON.parse((await store.get(fp8.manifest)).toString('utf8')) as unknown;
    if (isObject(manifest) && isObject(manifest.files) && typeof manifest.createdBy === 'string') {
      const files = (await store.getManifest(fp8.manifest)).files;
      const run = files[QUANTIZE_JOB_FILE] ?? files['manifest.json'];
      if (!run) throw new Fp8RefusedError(`its manifest lists no ${QUANTIZE_JOB_FILE} (it lists ${Object.keys(files).join(', ') || 'nothing'})`);
      manifest = JSON.parse((await store.get(run)).toString('utf8')) as unknown;
    }
    if (!isObject(manifest)) throw new Fp8RefusedError('its quantize manifest is not a JSON object');
    return manifest as QuantizerManifest;
  });
}

/**
 * Brings an announced FP8 student into `<fp8Dir>/student/` for the engine: the `student` artifact's
 * file manifest is read, the quantizer's manifest must name this version's BF16 weights as what it
 * quantized and the stored model.safetensors as its FP8 student, the dir's own manifest.json must
 * list the same config and weights, and every file is re-hashed and linked (linkArtifacts). Throws
 * Fp8RefusedError.
 */
export async function materializeFp8Student(store: ArtifactStore, fp8: CheckpointFp8, checkpoint: CheckpointBf16, quantizer: QuantizerManifest, root: string): Promise<string> {
  return refusing(refuseVersion, async () => {
    const files = (await store.getManifest(fp8.student)).files;
    for (const name of ['config.json', 'model.safetensors']) if (!files[name]) throw new Fp8RefusedError(`the FP8 student lists no ${name} (it lists ${Object.keys(files).join(', ') || 'nothing'})`);
    const source = quantizer.target?.weights_sha256;
    if (source !== checkpoint.weights.sha256) {
      throw new Fp8RefusedError(`quantized from the student weights ${String(source ?? '(none named)')}, not ${checkpoint.modelId}@${checkpoint.checkpointId}'s ${checkpoint.weights.sha256}`);
    }
    const weights = files['model.safetensors']!.sha256;
    if (quantizer.student?.weights_sha256 !== weights) throw new Fp8RefusedError(`the quantizer's manifest names the FP8 weights ${String(quantizer.student?.weights_sha256 ?? '(none)')}, the student artifact holds ${weights}`);
    await checkOwnManifest(store, files, ['config.json', 'model.safetensors'], refuseVersion, 'the FP8 student');
    return linkArtifacts(store, files, join(fp8Dir(root, fp8), 'student'));
  });
}

/**
 * Brings an announced FP8 drafter into `<fp8Dir>/drafter/` (exactly the EAGLE-3 layout): its weights
 * must be the ones the quantizer's manifest names, its own manifest.json must list the same bytes.
 * Throws Fp8DrafterRefusedError.
 */
export async function materializeFp8Drafter(store: ArtifactStore, fp8: CheckpointFp8, quantizer: QuantizerManifest, root: string): Promise<string> {
  if (!fp8.drafter) throw new Fp8DrafterRefusedError('the announcement names no FP8 drafter');
  const drafter = fp8.drafter;
  return refusing(refuseDrafter, async () => {
    const listed = (await store.getManifest(drafter)).files;
    const files: Record<string, ArtifactRef> = {};
    for (const name of DRAFTER_FILES) {
      const ref = listed[name];
      if (!ref) throw new Fp8DrafterRefusedError(`the FP8 drafter lists no ${name} (it lists ${Object.keys(listed).join(', ') || 'nothing'})`);
      files[name] = ref;
    }
    const named = quantizer.drafter?.weights_sha256;
    if (named !== files['model.safetensors']!.sha256) throw new Fp8DrafterRefusedError(`the quantizer's manifest names the FP8 drafter weights ${String(named ?? '(none)')}, the drafter artifact holds ${files['model.safetensors']!.sha256}`);
    await checkOwnManifest(store, files, ['config.json', 'model.safetensors'], refuseDrafter, 'the FP8 drafter');
    return linkArtifacts(store, files, join(fp8Dir(root, fp8), 'drafter'));
  });
}
