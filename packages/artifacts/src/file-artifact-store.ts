import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { isAbsolute, join, normalize, relative, sep } from 'node:path';
import { pipeline, Transform, type Readable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { artifactRefSchema, type ArtifactRef } from '@distillery/contracts';
import { ArtifactIntegrityError } from './artifact-integrity.error.js';
import { ArtifactNotFoundError } from './artifact-not-found.error.js';
import type { ArtifactLocator, ArtifactSource, ArtifactStore, PutMeta } from './artifact-store.port.js';
import { commitFile, TEMP_PREFIX, writeHashedTemp } from './atomic-file.js';
import { canonicalJson } from './canonical-json.js';
import { parseManifest, type Manifest, type ManifestInput } from './manifest.js';
import { UnsupportedArtifactUriError } from './unsupported-artifact-uri.error.js';

const SHA256 = /^[0-9a-f]{64}$/;
const BLOB_MODE = 0o444;
const POINTER_MODE = 0o644;
const READ_CHUNK_BYTES = 1 << 20;
const LIST_CONCURRENCY = 32;
const putMetaSchema = artifactRefSchema.pick({ kind: true, parents: true });

/** The `kind` of the blobs `putManifest` writes (the manifest's own kind is inside the JSON and in its pointer path). */
export const MANIFEST_BLOB_KIND = 'manifest';

interface Located {
  readonly sha256: string;
  readonly size: number | undefined;
  /** What the caller asked for, for error messages. */
  readonly wanted: string;
}

/**
 * The artifact store on a local (or mounted) file system.
 *
 * Layout under the root:
 * - `sha256/<first 2 hex>/<sha256>` — the blobs, read-only (0444), named by the sha256 of their bytes;
 * - `sha256/.tmp-<random>` — writes in flight (a crash can leave one; never under a final name);
 * - `manifests/<kind>/<id>.json` — a pointer (an ArtifactRef as JSON) to the manifest's current blob.
 *
 * Refs are located by their sha256, not their uri, so a root mounted at another path still resolves them.
 */
export class FileArtifactStore implements ArtifactStore {
  /** Absolute path of the root directory. */
  readonly root: string;
  /** The root as a `file://` uri. */
  readonly rootUri: string;
  private readonly blobDir: string;
  private readonly manifestDir: string;

  /** @param root a `file://` uri or an absolute path; the directory is created if absent. */
  constructor(root: string) {
    this.root = resolveRoot(root);
    this.rootUri = pathToFileURL(this.root).href;
    this.blobDir = join(this.root, 'sha256');
    this.manifestDir = join(this.root, 'manifests');
    mkdirSync(this.blobDir, { recursive: true });
    mkdirSync(this.manifestDir, { recursive: true });
  }

  async put(source: ArtifactSource, meta: PutMeta): Promise<ArtifactRef> {
    const { kind, parents } = putMetaSchema.parse(meta);
    const temp = await writeHashedTemp(this.blobDir, chunksOf(source), BLOB_MODE);
    const finalPath = this.blobPath(temp.sha256);
    try {
      const existing = await stat(finalPath).catch(() => undefined);
      // Same bytes already stored: nothing to do. A same-named blob of the wrong size is corrupt: replace it.
      if (existing?.isFile() && existing.size === temp.size) await rm(temp.tempPath, { force: true });
      else await commitFile(temp.tempPath, finalPath);
    } catch (error) {
      await rm(temp.tempPath, { force: true });
      throw error;
    }
    return { uri: pathToFileURL(finalPath).href, sha256: temp.sha256, size: temp.size, kind, parents };
  }

  async get(ref: ArtifactLocator): Promise<Buffer> {
    const located = this.locate(ref);
    const path = this.blobPath(located.sha256);
    const bytes = await readFile(path).catch((error: unknown) => {
      throw notFoundOr(error, located);
    });
    checkIntegrity(path, located, createHash('sha256').update(bytes).digest('hex'), bytes.byteLength);
    return bytes;
  }

  async open(ref: ArtifactLocator): Promise<Readable> {
    const located = this.locate(ref);
    const path = this.blobPath(located.sha256);
    await stat(path).catch((error: unknown) => {
      throw notFoundOr(error, located);
    });
    const hash = createHash('sha256');
    let size = 0;
    const verifier = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        size += chunk.byteLength;
        callback(null, chunk);
      },
      flush(callback) {
        try {
          checkIntegrity(path, located, hash.digest('hex'), size);
          callback();
        } catch (error) {
          callback(error as Error);
        }
      },
    });
    // Errors of either stream surface on the returned one; the callback only keeps pipeline from warning.
    return pipeline(createReadStream(path, { highWaterMark: READ_CHUNK_BYTES }), verifier, () => {});
  }

  pathOf(ref: ArtifactLocator): string {
    const located = this.locate(ref);
    const path = this.blobPath(located.sha256);
    if (!existsSync(path)) throw new ArtifactNotFoundError(located.wanted, `no blob ${located.sha256} under ${this.rootUri}`);
    return path;
  }

  async has(sha256: string): Promise<boolean> {
    if (!SHA256.test(sha256)) return false;
    const found = await stat(this.blobPath(sha256)).catch(() => undefined);
    return found?.isFile() ?? false;
  }

  async verify(ref: ArtifactLocator): Promise<void> {
    const located = this.locate(ref);
    const path = this.blobPath(located.sha256);
    const hash = createHash('sha256');
    let size = 0;
    try {
      for await (const chunk of createReadStream(path, { highWaterMark: READ_CHUNK_BYTES }) as AsyncIterable<Buffer>) {
        hash.update(chunk);
        size += chunk.byteLength;
      }
    } catch (error) {
      throw notFoundOr(error, located);
    }
    checkIntegrity(path, located, hash.digest('hex'), size);
  }

  async putManifest(input: ManifestInput): Promise<ArtifactRef> {
    const manifest = parseManifest(input);
    const parents = new Set<string>(Object.values(manifest.files).map((file) => file.sha256));
    for (const parent of manifest.parents) if (parent.sha256 !== undefined) parents.add(parent.sha256);
    const ref = await this.put(canonicalJson(manifest), { kind: MANIFEST_BLOB_KIND, parents: [...parents] });
    const kindDir = join(this.manifestDir, manifest.kind);
    await mkdir(kindDir, { recursive: true });
    const pointer = await writeHashedTemp(kindDir, [Buffer.from(`${JSON.stringify(ref)}\n`, 'utf8')], POINTER_MODE);
    await commitFile(pointer.tempPath, join(kindDir, `${manifest.id}.json`)).catch(async (error: unknown) => {
      await rm(pointer.tempPath, { force: true });
      throw error;
    });
    return ref;
  }

  async getManifest(ref: ArtifactLocator): Promise<Manifest> {
    const bytes = await this.get(ref);
    return parseManifest(JSON.parse(bytes.toString('utf8')));
  }

  async listManifests(): Promise<Array<{ ref: ArtifactRef; manifest: Manifest }>> {
    const pointers: string[] = [];
    for (const kind of await readdir(this.manifestDir, { withFileTypes: true })) {
      if (!kind.isDirectory() || kind.name.startsWith('.')) continue;
      const kindDir = join(this.manifestDir, kind.name);
      for (const file of await readdir(kindDir)) {
        if (file.endsWith('.json') && !file.startsWith(TEMP_PREFIX)) pointers.push(join(kindDir, file));
      }
    }
    const entries = await mapLimit(pointers, LIST_CONCURRENCY, async (pointer) => {
      const ref = artifactRefSchema.parse(JSON.parse(await readFile(pointer, 'utf8')));
      return { ref, manifest: await this.getManifest(ref) };
    });
    return entries.sort(
      (a, b) =>
        Date.parse(a.manifest.createdAt) - Date.parse(b.manifest.createdAt) ||
        compare(a.manifest.kind, b.manifest.kind) ||
        compare(a.manifest.id, b.manifest.id),
    );
  }

  private blobPath(sha256: string): string {
    return join(this.blobDir, sha256.slice(0, 2), sha256);
  }

  /** A ref → its sha256 and size; a uri → the sha256 in its file name, if it is a blob of this store; a bare sha256 → itself. */
  private locate(ref: ArtifactLocator): Located {
    if (typeof ref !== 'string') {
      if (!SHA256.test(ref.sha256)) throw new ArtifactNotFoundError(ref.uri, `sha256 ${JSON.stringify(ref.sha256)} is not 64 lowercase hex digits`);
      return { sha256: ref.sha256, size: ref.size, wanted: ref.uri };
    }
    if (SHA256.test(ref)) return { sha256: ref, size: undefined, wanted: ref };
    if (!ref.startsWith('file://')) throw new UnsupportedArtifactUriError(ref, `this store reads only file:// uris of its own blobs (root ${this.rootUri})`);
    const sha256 = this.shaOfBlobPath(filePathOf(ref));
    if (sha256 === undefined) throw new ArtifactNotFoundError(ref, `not a blob of the store at ${this.rootUri}`);
    return { sha256, size: undefined, wanted: ref };
  }

  private shaOfBlobPath(path: string): string | undefined {
    const parts = relative(this.blobDir, path).split(sep);
    const [shard, name] = parts;
    if (parts.length !== 2 || shard === undefined || name === undefined) return undefined;
    return SHA256.test(name) && name.startsWith(shard) && shard.length === 2 ? name : undefined;
  }
}

function resolveRoot(root: string): string {
  if (root.startsWith('file://')) return filePathOf(root);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(root)) throw new UnsupportedArtifactUriError(root, 'FileArtifactStore needs a file:// uri or an absolute path');
  if (!isAbsolute(root)) throw new UnsupportedArtifactUriError(root, 'the artifact root must be a file:// uri or an absolute path, not a relative one');
  return normalize(root);
}

function filePathOf(uri: string): string {
  try {
    return fileURLToPath(uri);
  } catch (error) {
    throw new UnsupportedArtifactUriError(uri, `not a local file uri (${(error as Error).message})`);
  }
}

function chunksOf(source: ArtifactSource): AsyncIterable<Uint8Array> | Iterable<Uint8Array> {
  if (typeof source === 'string') return [Buffer.from(source, 'utf8')];
  if (source instanceof Uint8Array) return [source];
  // Before `path`: a fs.ReadStream is async-iterable and also has a `path`.
  if (Symbol.asyncIterator in source) return guardedStream(source);
  return fileChunks(source.path);
}

/** Opens the file only when iteration starts, so an open error reaches the iterating code, not the process. */
async function* fileChunks(path: string): AsyncGenerator<Uint8Array> {
  yield* createReadStream(path, { highWaterMark: READ_CHUNK_BYTES }) as AsyncIterable<Buffer>;
}

/**
 * A stream that fails while the temp file is being opened (before anyone iterates it) would emit an unhandled
 * 'error'. A no-op listener prevents that; the error still surfaces through iteration (the stream is errored).
 */
function guardedStream(source: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  const emitter = source as Partial<Pick<NodeJS.EventEmitter, 'on' | 'off'>>;
  if (typeof emitter.on !== 'function' || typeof emitter.off !== 'function') return source;
  const ignore = (): void => {};
  emitter.on('error', ignore);
  return (async function* () {
    try {
      yield* source;
    } finally {
      emitter.off?.('error', ignore);
    }
  })();
}

function checkIntegrity(path: string, located: Located, actualSha256: string, actualSize: number): void {
  const sizeOk = located.size === undefined || located.size === actualSize;
  if (actualSha256 !== located.sha256 || !sizeOk) {
    throw new ArtifactIntegrityError(pathToFileURL(path).href, located.sha256, actualSha256, located.size, actualSize);
  }
}

function notFoundOr(error: unknown, located: Located): unknown {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT' ? new ArtifactNotFoundError(located.wanted, `no blob ${located.sha256}`) : error;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
