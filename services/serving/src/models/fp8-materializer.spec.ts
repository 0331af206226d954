import { createHash } from 'node:crypto';
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FileArtifactStore } from '@distillery/artifacts';
import { checkpointBf16Contract, type CheckpointBf16, type CheckpointFp8 } from '@distillery/contracts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storeFp8Version } from '../testing/announce-fp8.js';
import { writeQuantizeRun } from '../testing/fake-quantize-run.js';
import { Fp8DrafterRefusedError, Fp8RefusedError, materializeFp8Drafter, materializeFp8Student, readQuantizerManifest } from './fp8-materializer.js';
import { fp8IdOf } from './model-catalog.js';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

describe('materializing an announced FP8 version', () => {
  let dir: string;
  let store: FileArtifactStore;
  const checkpoint: CheckpointBf16 = { ...checkpointBf16Contract.example, modelId: 'student', checkpointId: 'ckpt_1', weights: { ...checkpointBf16Contract.example.weights, sha256: sha('bf16 student weights') } };
  let run = 0;
  const announce = async (change: Parameters<typeof writeQuantizeRun>[1] = {}): Promise<CheckpointFp8> => {
    const runDir = join(dir, `run${run++}`);
    await writeQuantizeRun(runDir, change);
    return storeFp8Version(store, runDir, { modelId: 'student', checkpointId: 'ckpt_1', drafterId: 'eagle_1' });
  };
  const refusal = async (work: Promise<unknown>) => (await work.catch((error: unknown) => error)) as Error;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'distillery-fp8-dir-'));
    store = new FileArtifactStore(pathToFileURL(join(dir, 'store')).href);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the quantize run’s manifest.json through the fp8 manifest, or as the manifest itself', async () => {
    const fp8 = await announce({ exactMatch: { bf16: 0.5, fp8: 0.4 } });
    expect((await readQuantizerManifest(store, fp8)).metrics).toMatchObject({ bf16: { exact_match: 0.5 }, fp8: { exact_match: 0.4 } });
    const runFile = (await store.getManifest(fp8.manifest)).files['quantize-job.json']!;
    expect((await readQuantizerManifest(store, { ...fp8, manifest: runFile })).metrics).toMatchObject({ fp8: { exact_match: 0.4 } });
  });

  it('links the FP8 student whole and exactly the EAGLE-3 layout of its drafter under the version’s ~fp8 dir', async () => {
    const fp8 = await announce();
    const quantizer = await readQuantizerManifest(store, fp8);
    const root = join(dir, 'models');
    const student = await materializeFp8Student(store, fp8, checkpoint, quantizer, root);
    expect(student).toBe(join(root, 'student', 'ckpt_1~fp8', fp8IdOf(fp8), 'student'));
    expect((await readdir(student)).sort()).toEqual(['config.json', 'manifest.json', 'model.safetensors', 'tokenizer.json']);
    const drafter = await materializeFp8Drafter(store, fp8, quantizer, root);
    expect(drafter).toBe(join(root, 'student', 'ckpt_1~fp8', fp8IdOf(fp8), 'drafter'));
    expect((await readdir(drafter)).sort()).toEqual(['config.json', 'manifest.json', 'model.safetensors']);
    expect(await readFile(join(drafter, 'model.safetensors'), 'utf8')).toBe('fp8 drafter weights');
  });

  it('refuses a student quantized from other weights, one whose files are not what it lists or the quantizer names, and a tampered blob', async () => {
    const root = join(dir, 'models');
    const student = async (fp8: CheckpointFp8) => refusal(materializeFp8Student(store, fp8, checkpoint, await readQuantizerManifest(store, fp8), root));
    const other = await student(await announce({ target: sha('other weights') }));
    expect(other).toBeInstanceOf(Fp8RefusedError);
    expect(other.message).toMatch(/quantized from the student weights [0-9a-f]{64}, not student@ckpt_1's/);
    expect((await student(await announce({ studentListsConfig: sha('another config') }))).message).toMatch(/the FP8 student's manifest.json lists config.json as/);
    const fp8 = await announce();
    const quantizer = await readQuantizerManifest(store, fp8);
    expect((await refusal(materializeFp8Student(store, fp8, checkpoint, { ...quantizer, student: { weights_sha256: sha('x') } }, root))).message).toMatch(/names the FP8 weights/);
    const weights = (await store.getManifest(fp8.student)).files['model.safetensors']!;
    await chmod(store.pathOf(weights), 0o644);
    await writeFile(store.pathOf(weights), 'tampered');
    expect(await student(fp8)).toBeInstanceOf(Fp8RefusedError);
    await expect(materializeFp8Drafter(store, fp8, quantizer, root)).resolves.toContain('drafter'); // the drafter has its own bytes
  });

  it('refuses a drafter the quantizer does not name, one that does not verify, and a manifest that is not JSON', async () => {
    const root = join(dir, 'models');
    const fp8 = await announce({ namedDrafter: sha('other drafter') });
    const error = await refusal(materializeFp8Drafter(store, fp8, await readQuantizerManifest(store, fp8), root));
    expect(error).toBeInstanceOf(Fp8DrafterRefusedError);
    expect(error.message).toMatch(/names the FP8 drafter weights/);
    const plain = await announce();
    const manifest = await store.getManifest(plain.drafter!);
    const config = manifest.files['config.json']!;
    await chmod(store.pathOf(config), 0o644);
    await writeFile(store.pathOf(config), 'tampered');
    expect(await refusal(materializeFp8Drafter(store, plain, await readQuantizerManifest(store, plain), root))).toBeInstanceOf(Fp8DrafterRefusedError);
    const notJson = await store.put('not json', { kind: 'fp8-job-manifest' });
    expect(await refusal(readQuantizerManifest(store, { ...plain, manifest: notJson }))).toBeInstanceOf(Fp8RefusedError);
    const listsNone = await store.putManifest({ id: 'fp8_x', kind: 'fp8', createdAt: new Date().toISOString(), createdBy: 'quantizer', files: {} });
    expect((await refusal(readQuantizerManifest(store, { ...plain, manifest: listsNone }))).message).toMatch(/lists no quantize-job.json/);
    expect(await refusal(materializeFp8Student(store, { ...plain, student: notJson }, checkpoint, {}, root))).toBeInstanceOf(Fp8RefusedError);
  });
});
