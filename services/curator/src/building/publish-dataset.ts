import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ArtifactStore, type ManifestParent, recordTraces, type TraceEntry } from '@distillery/artifacts';
import { type ArtifactRef, DATASET_PARTS, type DatasetReady } from '@distillery/contracts';
import type { BuiltDataset } from '../dataset/build-dataset.js';
import { type BuiltPart, EVAL_HELDOUT } from '../dataset/dataset-rows.js';
import type { RefinedTurn } from '../dataset/refined-turn.js';
import { DatasetIntegrityError } from '../errors/dataset-integrity.error.js';

/** A dataset in the artifact store: its manifest and each part, by ref. */
export interface PublishedDataset {
  readonly manifest: ArtifactRef;
  readonly parts: Readonly<Record<BuiltPart, ArtifactRef>>;
}

export interface PublishOptions {
  readonly createdAt?: string;
  /** The turns the dataset was built from: where each trace sits (conversation, turn, campaign) goes into its traces node. */
  readonly turns?: readonly RefinedTurn[];
}

/**
 * Puts every part into the artifact store (each written to a temporary file and streamed from it),
 * checks each stored sha256 against the built one, then the manifest with the parts' refs. The
 * parents the build names, one a trace, become one `traces` node (`<dataset id>.traces`,
 * recordTraces) naming the campaigns as the dataset does: the lineage reads dataset → traces → campaign.
 * Storing the same dataset twice stores nothing new (content addressing).
 */
export async function publishDataset(store: ArtifactStore, built: BuiltDataset, options: PublishOptions = {}): Promise<PublishedDataset> {
  const createdAt = options.createdAt ?? new Date().toISOString();
  const directory = await mkdtemp(join(tmpdir(), 'distillery-curator-'));
  try {
    const parts = {} as Record<BuiltPart, ArtifactRef>;
    for (const file of Object.values(built.files)) {
      const path = join(directory, file.name);
      await writeFile(path, file.text, 'utf8');
      const ref = await store.put({ path }, { kind: `dataset-${file.part}` });
      if (ref.sha256 !== file.sha256) throw new DatasetIntegrityError(file.name, file.sha256, ref.sha256);
      parts[file.part] = ref;
    }
    const files = Object.fromEntries(Object.values(built.files).map((file) => [file.name, parts[file.part]]));
    const parents = await recordTracesOf(store, built, options.turns ?? [], createdAt);
    const manifest = await store.putManifest({ ...built.manifest, files, createdAt, parents });
    return { manifest, parts };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

/** Records the traces the build names as parents as one traces node; answers the dataset's parents with that node in their place. */
async function recordTracesOf(store: ArtifactStore, built: BuiltDataset, turns: readonly RefinedTurn[], createdAt: string): Promise<ManifestParent[]> {
  const traceIds = built.manifest.parents.filter((parent) => parent.kind === 'traces').map((parent) => parent.id);
  const others = built.manifest.parents.filter((parent) => parent.kind !== 'traces');
  if (traceIds.length === 0) return others;
  const byTrace = new Map(turns.map((turn) => [turn.rawEventId, turn]));
  const traces = traceIds.map((traceId): TraceEntry => {
    const turn = byTrace.get(traceId);
    if (!turn) return { traceId };
    return {
      traceId,
      conversationId: turn.conversationId,
      turnId: turn.turnId,
      turnIndex: turn.turnIndex,
      ...(turn.campaignId ? { campaignId: turn.campaignId } : {}),
      ...(turn.eventId ? { refinedEventId: turn.eventId } : {}),
    };
  });
  const campaigns = others.filter((parent) => parent.kind === 'campaign');
  const node = await recordTraces(store, { id: `${built.manifest.id}.traces`, createdBy: built.manifest.createdBy, createdAt, traces, parents: campaigns });
  return [...others, node];
}

/**
 * The datasets.ready message of a published dataset: the announced parts in `parts` and `counts`,
 * `eval-heldout` in `evalHeldOut` (a consumer that knows only `parts` reads the message as before),
 * and the eval parts' duplicate rates.
 */
export function datasetReadyOf(built: BuiltDataset, published: PublishedDataset, lineage: { campaignId?: string; parentEventIds?: readonly string[] }): DatasetReady {
  return {
    datasetId: built.datasetId,
    version: built.version,
    manifest: published.manifest,
    parts: Object.fromEntries(DATASET_PARTS.map((part) => [part, published.parts[part]])),
    counts: Object.fromEntries(DATASET_PARTS.map((part) => [part, built.counts[part]])),
    lineage: { ...(lineage.campaignId ? { campaignId: lineage.campaignId } : {}), datasetId: built.datasetId, parentEventIds: [...(lineage.parentEventIds ?? [])] },
    evalHeldOut: { part: published.parts[EVAL_HELDOUT], rows: built.counts[EVAL_HELDOUT], campaignIds: [...built.heldOutCampaignIds] },
    duplicates: { eval: built.duplicates.eval, evalHeldOut: built.duplicates[EVAL_HELDOUT] },
  };
}
