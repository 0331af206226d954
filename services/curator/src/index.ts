/**
 * @distillery/curator — Builds immutable, versioned datasets (CPT, SFT, DPO, EAGLE prompts, calibration, held-out eval) from refined traces.
 * Runs alone with `node services/curator/dist/src/main.js`; the embedded launcher imports `curatorService`.
 * The builder is also a plain function, for tests and tools that hold refined turns in memory:
 *
 * ```ts
 * import { openArtifactStore } from '@distillery/artifacts';
 * import { buildDataset, publishDataset, referenceRefinedTurns } from '@distillery/curator';
 * const turns = await referenceRefinedTurns({ conversations: 20, seed: 7, mistakeRate: 0.2 }); // real prompts, stand-in judge
 * const built = buildDataset(turns, { datasetId: 'ds_demo', version: 1, seed: 7 });        // no database, no bus
 * console.log(built.counts, built.manifest.attributes?.splits);
 * const { manifest, parts } = await publishDataset(openArtifactStore('file:///tmp/distillery-artifacts'), built);
 * ```
 */
export { curatorService } from './curator.service-definition.js';
export { datasetProblems } from './dataset/dataset-invariants.js';
export { readDatasetRows } from './dataset/read-dataset.js';
export { buildDataset, PART_FILES, type BuiltDataset, type DatasetFile } from './dataset/build-dataset.js';
export { DEFAULT_BUILD_OPTIONS, type BuildCoverage, type DatasetBuildOptions } from './dataset/build-options.js';
export type { CalibrationRow, CptRow, DatasetPart, DatasetRows, DpoRow, EagleRow, SftRow } from './dataset/dataset-rows.js';
export { sortTurns, type RefinedTurn } from './dataset/refined-turn.js';
export { splitByConversation, type ConversationSplit } from './dataset/eval-split.js';
export { HARD_NEGATIVE_FAMILIES, HARD_NEGATIVE_KINDS, type HardNegativeFamily, type HardNegativeKind } from './dataset/hard-negative-kinds.js';
export { TOKEN_BUCKETS, tokenStats, type TokenStats } from './dataset/token-stats.js';
export { fromJsonl, toJsonl } from './dataset/jsonl.js';
export { WordnetCorpus, type PublicDocument, type WordnetEntry } from './public-corpus/wordnet-corpus.js';
export { datasetReadyOf, publishDataset, type PublishedDataset } from './building/publish-dataset.js';
export { curatorConfigSchema, loadCuratorConfig, type CuratorConfig } from './config/curator.config.js';
export { DatasetIntegrityError } from './errors/dataset-integrity.error.js';
export { UnknownCampaignError } from './errors/unknown-campaign.error.js';
export { referenceRefinedTurns, type ReferenceTurnsOptions } from './testing/reference-refined-turns.js';
