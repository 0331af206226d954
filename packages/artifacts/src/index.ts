/**
 * @distillery/artifacts — the content-addressed artifact store (datasets, checkpoints, reports): sha256
 * addresses, atomic writes, hash-checked reads, and manifests that record lineage
 * campaign → traces → dataset → checkpoint → drafter → fp8 (`recordTraces` records a set of traces as one
 * node; `lineageLine` prints a lineage on one line). For tests, storeDatasetRows, storeDir and
 * storeCheckpointDir store a dataset's parts and a student's or drafter's dir the way the curator
 * and the services do.
 *
 * ```ts
 * import { lineageOf, openArtifactStore } from '@distillery/artifacts';
 * const store = openArtifactStore(process.env.DISTILLERY_ARTIFACT_ROOT ?? 'file:///tmp/distillery-artifacts');
 * const train = await store.put({ path: '/tmp/train.jsonl' }, { kind: 'dataset' }); // streamed, never fully in memory
 * const manifest = await store.putManifest({
 *   id: 'ds_001', kind: 'dataset', createdAt: new Date().toISOString(), createdBy: 'curator',
 *   files: { 'train.jsonl': train }, parents: [{ kind: 'traces', id: 'tr_001' }], metrics: { rows: 1200 },
 * });
 * const bytes = await store.get(train);          // throws ArtifactIntegrityError if the blob was corrupted
 * const path = store.pathOf(train);              // hand this to the Python trainer
 * await linkArtifacts(store, (await store.getManifest(manifest)).files, '/tmp/ds_001'); // its files, re-hashed, as one dir for a job
 * const { chain, problems } = lineageOf('ds_001', await store.listManifests()); // oldest first
 * lineageLine(chain, 80);                        // newest first: 'dataset ds_001 ← traces(1200) ← campaign camp_1' once those are recorded
 * ```
 */
export type { ArtifactLocator, ArtifactSource, ArtifactStore, PutMeta } from './artifact-store.port.js';
export { FileArtifactStore, MANIFEST_BLOB_KIND } from './file-artifact-store.js';
export { openArtifactStore } from './open-artifact-store.js';
export {
  MANIFEST_KINDS,
  manifestParentSchema,
  manifestSchema,
  parseManifest,
  type Manifest,
  type ManifestInput,
  type ManifestKind,
  type ManifestParent,
} from './manifest.js';
export { lineageOf, type Lineage, type LineageProblem, type LineageSource } from './lineage.js';
export { lineageLine, lineageProblemPhrases } from './lineage-text.js';
export { recordTraces, TRACES_FILE, type TraceEntry, type TracesToRecord } from './traces-manifest.js';
export { canonicalJson } from './canonical-json.js';
export { linkArtifacts } from './link-artifacts.js';
export { ArtifactIntegrityError } from './artifact-integrity.error.js';
export { ArtifactNotFoundError } from './artifact-not-found.error.js';
export { UnsupportedArtifactUriError } from './unsupported-artifact-uri.error.js';
export { UnsafeFileNameError } from './unsafe-file-name.error.js';
export { storeCheckpointDir, storeDatasetRows, storeDir } from './testing/fixture-store.js';
