import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { artifactRefSchema } from '@distillery/contracts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ArtifactIntegrityError } from './artifact-integrity.error.js';
import { ArtifactNotFoundError } from './artifact-not-found.error.js';
import { FileArtifactStore, MANIFEST_BLOB_KIND } from './file-artifact-store.js';
import { lineageOf } from './lineage.js';
import type { ManifestInput } from './manifest.js';
import { UnsupportedArtifactUriError } from './unsupported-artifact-uri.error.js';

const sha = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex');

/** Every file under dir, relative, so tests can assert exactly what is on disk. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name))).sort();
}

async function collect(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function corrupt(path: string, bytes: Buffer | string): Promise<void> {
  await chmod(path, 0o644);
  await writeFile(path, bytes);
}

describe('FileArtifactStore', () => {
  let dir: string;
  let store: FileArtifactStore;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'distillery-artifacts-'));
    store = new FileArtifactStore(join(dir, 'root'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe('put / get', () => {
    it('round-trips a Buffer and returns a valid content-addressed ref', async () => {
      const bytes = Buffer.from([0, 1, 2, 255, 254]);
      const ref = await store.put(bytes, { kind: 'dataset' });
      expect(artifactRefSchema.parse(ref)).toEqual(ref);
      expect(ref).toEqual({
        uri: pathToFileURL(join(dir, 'root', 'sha256', sha(bytes).slice(0, 2), sha(bytes))).href,
        sha256: sha(bytes),
        size: 5,
        kind: 'dataset',
        parents: [],
      });
      expect(await store.get(ref)).toEqual(bytes);
      expect(await store.has(ref.sha256)).toBe(true);
    });

    it('round-trips a string as UTF-8', async () => {
      const text = 'héllo, 世界\n';
      const ref = await store.put(text, { kind: 'report' });
      expect(ref.sha256).toBe(sha(Buffer.from(text, 'utf8')));
      expect(ref.size).toBe(Buffer.byteLength(text));
      expect((await store.get(ref)).toString('utf8')).toBe(text);
    });

    it('round-trips an AsyncIterable (a Readable) and keeps parents', async () => {
      const parent = await store.put('parent', { kind: 'traces' });
      const ref = await store.put(Readable.from([Buffer.from('ab'), Buffer.from('cd'), new Uint8Array([101])]), { kind: 'dataset', parents: [parent.sha256] });
      expect(ref.parents).toEqual([parent.sha256]);
      expect((await store.get(ref)).toString()).toBe('abcde');
    });

    it('round-trips a file given by { path }', async () => {
      const source = join(dir, 'train.jsonl');
      await writeFile(source, '{"a":1}\n{"a":2}\n');
      const ref = await store.put({ path: source }, { kind: 'dataset' });
      expect((await store.get(ref)).toString()).toBe('{"a":1}\n{"a":2}\n');
    });

    it('stores an empty artifact', async () => {
      const ref = await store.put(Buffer.alloc(0), { kind: 'report' });
      expect(ref.size).toBe(0);
      expect(await store.get(ref)).toEqual(Buffer.alloc(0));
    });

    it('stores the same bytes once and returns the same ref', async () => {
      const first = await store.put('same bytes', { kind: 'dataset' });
      const second = await store.put(Readable.from([Buffer.from('same '), Buffer.from('bytes')]), { kind: 'dataset' });
      expect(second).toEqual(first);
      expect(await filesUnder(join(dir, 'root'))).toEqual([join('sha256', first.sha256.slice(0, 2), first.sha256)]);
    });

    it('makes blobs read-only', async () => {
      const ref = await store.put('x', { kind: 'report' });
      expect((await stat(store.pathOf(ref))).mode & 0o777).toBe(0o444);
    });

    it('rejects bad meta before writing anything', async () => {
      await expect(store.put('x', { kind: 'dataset', parents: ['not-a-sha'] })).rejects.toThrow(/parents/);
      await expect(store.put('x', { kind: '' })).rejects.toThrow(/kind/);
      expect(await filesUnder(join(dir, 'root'))).toEqual([]);
    });

    it('reads by the uri of one of its blobs, and by bare sha256', async () => {
      const ref = await store.put('by uri', { kind: 'report' });
      expect((await store.get(ref.uri)).toString()).toBe('by uri');
      expect((await store.get(ref.sha256)).toString()).toBe('by uri');
    });

    it('finds a ref by its sha256 even when the root has moved (uri from another mount)', async () => {
      const ref = await store.put('moved', { kind: 'report' });
      const elsewhere = { ...ref, uri: `file:///mnt/other/sha256/${ref.sha256.slice(0, 2)}/${ref.sha256}` };
      expect((await store.get(elsewhere)).toString()).toBe('moved');
    });

    it('throws ArtifactNotFoundError for an unknown blob or a uri outside the store', async () => {
      const ref = await store.put('present', { kind: 'report' });
      const missing = { ...ref, sha256: sha('absent') };
      await expect(store.get(missing)).rejects.toBeInstanceOf(ArtifactNotFoundError);
      await expect(store.verify(missing)).rejects.toBeInstanceOf(ArtifactNotFoundError);
      await expect(store.open(missing)).rejects.toBeInstanceOf(ArtifactNotFoundError);
      expect(() => store.pathOf(missing)).toThrow(ArtifactNotFoundError);
      await expect(store.get(pathToFileURL(join(dir, 'elsewhere.txt')).href)).rejects.toThrow(/not a blob of the store/);
      await expect(store.get('s3://bucket/key')).rejects.toBeInstanceOf(UnsupportedArtifactUriError);
      expect(await store.has(sha('absent'))).toBe(false);
      expect(await store.has('../../etc/passwd')).toBe(false);
    });
  });

  describe('integrity', () => {
    it('throws ArtifactIntegrityError from get, verify and open when a blob is corrupted on disk', async () => {
      const ref = await store.put('the original bytes', { kind: 'checkpoint' });
      await store.verify(ref);
      await corrupt(store.pathOf(ref), 'the 0riginal bytes');

      const fromGet = await store.get(ref).catch((error: unknown) => error);
      expect(fromGet).toBeInstanceOf(ArtifactIntegrityError);
      expect(fromGet).toMatchObject({ name: 'ArtifactIntegrityError', expectedSha256: ref.sha256, actualSha256: sha('the 0riginal bytes') });
      await expect(store.verify(ref)).rejects.toBeInstanceOf(ArtifactIntegrityError);
      await expect(store.get(ref.uri)).rejects.toBeInstanceOf(ArtifactIntegrityError);
      await expect(collect(await store.open(ref))).rejects.toBeInstanceOf(ArtifactIntegrityError);
    });

    it('reports a size mismatch', async () => {
      const ref = await store.put('12345', { kind: 'checkpoint' });
      await expect(store.get({ ...ref, size: 6 })).rejects.toThrow(/size 5 bytes instead of 6/);
      await corrupt(store.pathOf(ref), '123456');
      await expect(store.verify(ref)).rejects.toMatchObject({ expectedSize: 5, actualSize: 6 });
    });

    it('replaces a truncated blob when the same bytes are put again', async () => {
      const ref = await store.put('heal me', { kind: 'dataset' });
      await corrupt(store.pathOf(ref), 'heal');
      await store.put('heal me', { kind: 'dataset' });
      await expect(store.verify(ref)).resolves.toBeUndefined();
      expect((await store.get(ref)).toString()).toBe('heal me');
    });
  });

  describe('atomic writes', () => {
    it('leaves no blob and no temp file when the source fails mid-way', async () => {
      async function* failing(): AsyncGenerator<Uint8Array> {
        yield Buffer.alloc(256 * 1024, 1);
        yield Buffer.alloc(256 * 1024, 2);
        throw new Error('upstream died');
      }
      await expect(store.put(failing(), { kind: 'dataset' })).rejects.toThrow('upstream died');
      expect(await filesUnder(join(dir, 'root'))).toEqual([]);
    });

    it('leaves nothing behind when the source file does not exist', async () => {
      await expect(store.put({ path: join(dir, 'nope.bin') }, { kind: 'dataset' })).rejects.toMatchObject({ code: 'ENOENT' });
      expect(await filesUnder(join(dir, 'root'))).toEqual([]);
    });

    it('rejects (without an unhandled error) a stream that fails before it is read', async () => {
      const early = createReadStream(join(dir, 'missing.bin'));
      await expect(store.put(early, { kind: 'dataset' })).rejects.toMatchObject({ code: 'ENOENT' });
      expect(await filesUnder(join(dir, 'root'))).toEqual([]);
    });

    it('stores concurrent puts of the same bytes once', async () => {
      const refs = await Promise.all(Array.from({ length: 8 }, () => store.put('racing', { kind: 'report' })));
      expect(new Set(refs.map((r) => r.uri)).size).toBe(1);
      expect(await filesUnder(join(dir, 'root'))).toHaveLength(1);
    });
  });

  describe('big files', () => {
    it('streams a generated 20 MB artifact in and out, hash-checked', async () => {
      const chunkBytes = 64 * 1024;
      const chunks = 320; // 20 MiB
      const expected = createHash('sha256');
      async function* generate(): AsyncGenerator<Uint8Array> {
        for (let i = 0; i < chunks; i++) {
          const chunk = Buffer.alloc(chunkBytes);
          for (let j = 0; j < chunkBytes; j += 4) chunk.writeUInt32LE((Math.imul(i * chunkBytes + j, 2654435761) ^ i) >>> 0, j);
          expected.update(chunk);
          yield chunk;
        }
      }
      const ref = await store.put(generate(), { kind: 'checkpoint' });
      expect(ref.size).toBe(chunks * chunkBytes);
      expect(ref.sha256).toBe(expected.digest('hex'));

      await store.verify(ref);
      const readBack = createHash('sha256');
      let size = 0;
      for await (const chunk of await store.open(ref)) {
        readBack.update(chunk as Buffer);
        size += (chunk as Buffer).byteLength;
      }
      expect(size).toBe(ref.size);
      expect(readBack.digest('hex')).toBe(ref.sha256);
      expect((await stat(store.pathOf(ref))).size).toBe(ref.size);
    });
  });

  describe('manifests', () => {
    const manifestOf = (kind: string, id: string, parent?: { kind: string; id: string }, createdAt = '2025-01-01T00:00:00Z'): ManifestInput => ({
      id,
      kind,
      createdAt,
      createdBy: 'test',
      files: {},
      parents: parent ? [parent] : [],
    });

    it('round-trips a manifest and links its files as parents of the manifest blob', async () => {
      const train = await store.put('rows', { kind: 'dataset' });
      const manifest = {
        ...manifestOf('dataset', 'ds_1', { kind: 'traces', id: 'tr_1' }),
        files: { 'train.jsonl': train },
        metrics: { rows: 2 },
        attributes: { note: 'hi', nested: { b: 1, a: [1, 2] } },
      };
      const ref = await store.putManifest(manifest);
      expect(ref.kind).toBe(MANIFEST_BLOB_KIND);
      expect(ref.parents).toEqual([train.sha256]);
      expect(await store.getManifest(ref)).toEqual(manifest);
      expect(await store.getManifest(ref.uri)).toEqual(manifest);
    });

    it('gives equal manifests the same ref whatever their key order', async () => {
      const a = await store.putManifest({ id: 'x', kind: 'report', createdAt: '2025-01-01T00:00:00Z', createdBy: 's', files: {}, parents: [] });
      const b = await store.putManifest({ parents: [], files: {}, createdBy: 's', createdAt: '2025-01-01T00:00:00Z', kind: 'report', id: 'x' });
      expect(b).toEqual(a);
    });

    it('rejects an invalid manifest with a zod error naming the field, and stores nothing', async () => {
      const bad = { ...manifestOf('dataset', 'ds_1'), createdAt: 'yesterday' };
      const error = await store.putManifest(bad).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'ZodError' });
      expect((error as { issues: Array<{ path: unknown[] }> }).issues[0]?.path).toEqual(['createdAt']);
      expect(String((error as Error).message)).toContain('createdAt');
      await expect(store.putManifest({ ...manifestOf('dataset', '../escape') })).rejects.toThrow(/id/);
      expect(await filesUnder(join(dir, 'root'))).toEqual([]);
    });

    it('lists the current manifest per kind/id (latest put wins), oldest first, ready for lineageOf', async () => {
      await store.putManifest(manifestOf('traces', 'tr_1', { kind: 'campaign', id: 'c_1' }, '2025-01-02T00:00:00Z'));
      await store.putManifest(manifestOf('campaign', 'c_1', undefined, '2025-01-01T00:00:00Z'));
      await store.putManifest({ ...manifestOf('dataset', 'ds_1', { kind: 'traces', id: 'tr_1' }, '2025-01-03T00:00:00Z'), metrics: { rows: 1 } });
      await store.putManifest({ ...manifestOf('dataset', 'ds_1', { kind: 'traces', id: 'tr_1' }, '2025-01-03T00:00:00Z'), metrics: { rows: 2 } });

      const listed = await store.listManifests();
      expect(listed.map((e) => `${e.manifest.kind}/${e.manifest.id}`)).toEqual(['campaign/c_1', 'traces/tr_1', 'dataset/ds_1']);
      expect(listed[2]?.manifest.metrics).toEqual({ rows: 2 });
      const lineage = lineageOf('ds_1', listed);
      expect(lineage.chain.map((m) => m.id)).toEqual(['c_1', 'tr_1', 'ds_1']);
      expect(lineage.problems).toEqual([]);
    });

    it('lists thousands of manifests', async () => {
      const count = 1000;
      for (let i = 0; i < count; i += 100) {
        await Promise.all(Array.from({ length: 100 }, (_, k) => store.putManifest(manifestOf('traces', `tr_${i + k}`))));
      }
      const started = performance.now();
      const listed = await store.listManifests();
      expect(listed).toHaveLength(count);
      expect(performance.now() - started).toBeLessThan(5_000);
    });
  });
});
