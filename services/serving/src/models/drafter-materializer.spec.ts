import { createHash } from 'node:crypto';
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FileArtifactStore } from '@distillery/artifacts';
import { type ArtifactRef, checkpointBf16Contract, type CheckpointBf16, drafterReadyContract, type DrafterReady } from '@distillery/contracts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DrafterRefusedError, materializeDrafter } from './drafter-materializer.js';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

describe('materializing an announced drafter', () => {
  let dir: string;
  let store: FileArtifactStore;
  const checkpoint: CheckpointBf16 = { ...checkpointBf16Contract.example, modelId: 'student', checkpointId: 'ckpt_1', weights: { ...checkpointBf16Contract.example.weights, sha256: sha('student weights') } };

  /** A drafter in the store the way the drafter service puts it there; `change` alters its parts first. */
  async function announce(change: { target?: string; listedConfig?: string; files?: (files: Record<string, ArtifactRef>) => void } = {}): Promise<DrafterReady> {
    const config = '{"architectures": ["LlamaForCausalLMEagle3"]}';
    const weights = 'drafter weights';
    const own = { format: 1, kind: 'eagle3-drafter', files: { 'config.json': { sha256: change.listedConfig ?? sha(config), size: config.length }, 'model.safetensors': { sha256: sha(weights), size: weights.length } }, target: { weights_sha256: change.target ?? checkpoint.weights.sha256 } };
    const files: Record<string, ArtifactRef> = {
      'config.json': await store.put(config, { kind: 'drafter-config' }),
      'model.safetensors': await store.put(weights, { kind: 'safetensors' }),
      'manifest.json': await store.put(JSON.stringify(own), { kind: 'drafter-files' }),
      'drafter-job.json': await store.put('{}', { kind: 'drafter-job-manifest' }),
    };
    change.files?.(files);
    const manifest = await store.putManifest({ id: 'eagle_1', kind: 'drafter', createdAt: new Date().toISOString(), createdBy: 'test', files });
    return { ...drafterReadyContract.example, modelId: 'student', checkpointId: 'ckpt_1', drafterId: 'eagle_1', manifest, weights: files['model.safetensors']! };
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'distillery-drafter-dir-'));
    store = new FileArtifactStore(pathToFileURL(join(dir, 'store')).href);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('links exactly the EAGLE-3 layout beside the version’s dir', async () => {
    const out = await materializeDrafter(store, await announce(), checkpoint, join(dir, 'models'));
    expect(out).toBe(join(dir, 'models', 'student', 'ckpt_1~drafters', 'eagle_1'));
    expect((await readdir(out)).sort()).toEqual(['config.json', 'manifest.json', 'model.safetensors']);
    expect(await readFile(join(out, 'model.safetensors'), 'utf8')).toBe('drafter weights');
  });

  it('refuses a drafter for other student weights, one whose files are not what it lists or announces, and a tampered blob', async () => {
    const refusal = async (drafter: DrafterReady) => (await materializeDrafter(store, drafter, checkpoint, join(dir, 'models')).catch((error: unknown) => error)) as Error;
    expect(await refusal(await announce({ target: sha('other weights') }))).toBeInstanceOf(DrafterRefusedError);
    expect((await refusal(await announce({ target: sha('other weights') }))).message).toMatch(/trained for the student weights [0-9a-f]{64}, not student@ckpt_1/);
    expect((await refusal(await announce({ listedConfig: sha('another config') }))).message).toMatch(/manifest.json lists config.json as/);
    expect((await refusal(await announce({ files: (files) => delete files['config.json'] }))).message).toMatch(/lists no config.json/);
    const drafter = await announce();
    expect((await refusal({ ...drafter, weights: { ...drafter.weights, sha256: sha('announced weights') } })).message).toMatch(/is not the announced weights/);
    await chmod(store.pathOf(drafter.weights), 0o644);
    await writeFile(store.pathOf(drafter.weights), 'tampered');
    expect(await refusal(drafter)).toBeInstanceOf(DrafterRefusedError);
    expect(await readdir(join(dir, 'models', 'student', 'ckpt_1~drafters'))).toEqual([]); // no drafter dir, no staging left
  });
});
