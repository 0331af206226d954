import type { Readable } from 'node:stream';
import type { ArtifactRef } from '@distillery/contracts';
import type { Manifest, ManifestInput } from './manifest.js';

/**
 * Bytes to store. A string is stored as UTF-8. An AsyncIterable (e.g. a Readable) and `{ path }` are streamed,
 * never held in memory whole.
 */
export type ArtifactSource = Buffer | string | AsyncIterable<Uint8Array> | { readonly path: string };

export interface PutMeta {
  /** What the bytes are, e.g. 'dataset', 'checkpoint', 'report'. Goes into the ref, not into the address. */
  readonly kind: string;
  /** sha256 of the artifacts these bytes were made from. */
  readonly parents?: readonly string[];
}

/** An artifact to read: a ref (checked against its sha256 and size) or the uri of a blob of this store. */
export type ArtifactLocator = ArtifactRef | string;

/**
 * Content-addressed storage for datasets, checkpoints and reports. The address of a blob is the sha256 of its
 * bytes, so blobs are immutable and storing the same bytes twice stores them once. Every read is checked
 * against the hash. Manifests describe what a pipeline step produced and where it came from (lineage).
 */
export interface ArtifactStore {
  /** Stores the bytes (atomically: all or nothing under their final name) and returns their ref. Same bytes, same address. */
  put(source: ArtifactSource, meta: PutMeta): Promise<ArtifactRef>;
  /** Reads the whole artifact into memory, verifying sha256 (and size, for a ref). Use `open`/`pathOf` for big files. */
  get(ref: ArtifactLocator): Promise<Buffer>;
  /** Streams the artifact. Bytes flow as read; a hash or size mismatch errors the stream at its end. */
  open(ref: ArtifactLocator): Promise<Readable>;
  /** The local file a non-Node job (the Python trainers) can read; no hash check (call `verify` first). file:// stores only. */
  pathOf(ref: ArtifactLocator): string;
  /** Whether a blob with this sha256 is stored. */
  has(sha256: string): Promise<boolean>;
  /** Re-hashes the stored bytes; throws ArtifactIntegrityError on mismatch, ArtifactNotFoundError if absent. */
  verify(ref: ArtifactLocator): Promise<void>;
  /** Validates (ZodError on a bad field), stores the manifest as canonical JSON and points `<kind>/<id>` at it (latest wins). */
  putManifest(manifest: ManifestInput): Promise<ArtifactRef>;
  /** Reads, verifies and validates a manifest blob. */
  getManifest(ref: ArtifactLocator): Promise<Manifest>;
  /** The current manifest of every kind/id, oldest first (by createdAt, then kind, then id). */
  listManifests(): Promise<Array<{ ref: ArtifactRef; manifest: Manifest }>>;
}
