import { z } from 'zod';
import { artifactRefSchema, lineageSchema } from '../artifact-ref.js';
import { defineContract } from '../contract.js';

export const DATASET_PARTS = ['cpt', 'sft', 'dpo', 'eagle', 'calibration', 'eval'] as const;

export const datasetReadySchema = z.object({
  datasetId: z.string().min(1),
  version: z.number().int().min(1),
  manifest: artifactRefSchema,
  parts: z.partialRecord(z.enum(DATASET_PARTS), artifactRefSchema),
  counts: z.partialRecord(z.enum(DATASET_PARTS), z.number().int().nonnegative()),
  lineage: lineageSchema,
});

export type DatasetReady = z.infer<typeof datasetReadySchema>;

const sha = (c: string) => c.repeat(64);

export const datasetReadyContract = defineContract({
  topic: 'datasets.ready',
  version: 1,
  schema: datasetReadySchema,
  description: 'An immutable, versioned dataset is complete: its manifest and each part (CPT, SFT, DPO, EAGLE prompts, calibration, held-out eval).',
  keyDescription: 'datasetId — versions of one dataset stay in order',
  key: (dataset) => dataset.datasetId,
  example: {
    datasetId: 'ds_dealership',
    version: 3,
    manifest: { uri: 'file:///var/lib/distillery/artifacts/sha256/aa/aaaa', sha256: sha('a'), size: 2048, kind: 'dataset-manifest', parents: [] },
    parts: {
      sft: { uri: 'file:///var/lib/distillery/artifacts/sha256/bb/bbbb', sha256: sha('b'), size: 1048576, kind: 'dataset-sft', parents: [] },
    },
    counts: { sft: 1840, dpo: 412 },
    lineage: { campaignId: 'camp_2026_11_24_a', parentEventIds: [] },
  },
});
