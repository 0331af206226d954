import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileArtifactStore } from './file-artifact-store.js';
import { openArtifactStore } from './open-artifact-store.js';
import { UnsupportedArtifactUriError } from './unsupported-artifact-uri.error.js';

describe('openArtifactStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'distillery-open-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('opens a FileArtifactStore for file:// and creates the root', async () => {
    const root = join(dir, 'a', 'b');
    const store = openArtifactStore(pathToFileURL(root).href);
    expect(store).toBeInstanceOf(FileArtifactStore);
    expect((await stat(root)).isDirectory()).toBe(true);
    const ref = await store.put('hi', { kind: 'report' });
    expect((await store.get(ref)).toString()).toBe('hi');
  });

  it('rejects s3:// saying S3 is not implemented yet', () => {
    expect(() => openArtifactStore('s3://bucket/prefix')).toThrow(UnsupportedArtifactUriError);
    expect(() => openArtifactStore('s3://bucket/prefix')).toThrow(/S3 artifact store is not implemented yet/);
  });

  it('rejects other schemes and plain paths, naming the uri', () => {
    expect(() => openArtifactStore('ftp://host/dir')).toThrow(/unsupported artifact uri "ftp:\/\/host\/dir"/);
    expect(() => openArtifactStore('/tmp/plain/path')).toThrow(UnsupportedArtifactUriError);
  });

  it('FileArtifactStore takes an absolute path but not a relative one', () => {
    expect(new FileArtifactStore(join(dir, 'abs')).root).toBe(join(dir, 'abs'));
    expect(() => new FileArtifactStore('relative/dir')).toThrow(/not a relative one/);
    expect(() => new FileArtifactStore('s3://bucket')).toThrow(UnsupportedArtifactUriError);
  });
});
