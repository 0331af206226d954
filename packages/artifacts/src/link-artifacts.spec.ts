import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ArtifactIntegrityError } from './artifact-integrity.error.js';
import { FileArtifactStore } from './file-artifact-store.js';
import { linkArtifacts } from './link-artifacts.js';
import { UnsafeFileNameError } from './unsafe-file-name.error.js';

describe('linking stored artifacts as a directory', () => {
  let dir: string;
  let store: FileArtifactStore;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'distillery-link-'));
    store = new FileArtifactStore(pathToFileURL(join(dir, 'store')).href);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lays the files out under their names, replacing what was there', async () => {
    const config = await store.put('{"layers": 8}', { kind: 'checkpoint-config' });
    const weights = await store.put(Buffer.from([1, 2, 3]), { kind: 'safetensors' });
    const out = join(dir, 'ckpt');
    await linkArtifacts(store, { 'config.json': config }, out);
    expect(await linkArtifacts(store, { 'config.json': config, 'model.safetensors': weights }, out)).toBe(out);
    expect((await readdir(out)).sort()).toEqual(['config.json', 'model.safetensors']);
    expect(await readFile(join(out, 'config.json'), 'utf8')).toBe('{"layers": 8}');
    expect([...(await readFile(join(out, 'model.safetensors')))]).toEqual([1, 2, 3]);
  });

  it('refuses a corrupt blob or a name that is a path, and leaves no dir behind', async () => {
    const good = await store.put('good', { kind: 'x' });
    const bad = await store.put('bytes', { kind: 'x' });
    await chmod(store.pathOf(bad), 0o644);
    await writeFile(store.pathOf(bad), 'other bytes');
    await expect(linkArtifacts(store, { 'a.json': good, 'b.json': bad }, join(dir, 'corrupt'))).rejects.toBeInstanceOf(ArtifactIntegrityError);
    for (const name of ['../escape', '.hidden', 'sub/file']) {
      await expect(linkArtifacts(store, { [name]: good }, join(dir, 'unsafe'))).rejects.toBeInstanceOf(UnsafeFileNameError);
    }
    expect((await readdir(dir)).sort()).toEqual(['store']);
  });
});
