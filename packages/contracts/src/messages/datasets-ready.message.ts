import { z } from 'zod';
import { artifactRefSchema, lineageSchema } from '../artifact-ref.js';
import { defineContract } from '../contract.js';

export const DATASET_PARTS = ['cpt', 'sft', 'dpo', 'eagle', 'calibration', 'eval'] as const;

/**
 * A campaign whose id begins with this played the held-out phrasing (utterance templates and
 * personas no training campaign uses): the simulator names such campaigns so, and the curator puts
 * their turns in the `eval-heldout` part only, never in a training part.
 */
export const HELD_OUT_CAMPAIGN_PREFIX = 'heldout_';

/** `count` of `of` rows (or utterances) found in the training text, and their ratio (0 when `of` is 0). */
const overlapSchema = z.object({ count: z.number().int().nonnegative(), of: z.number().int().nonnegative(), rate: z.number().min(0).max(1) });

/** How much of an eval part the training parts already hold, verbatim. */
const duplicatesSchema = z.object({
  /** Eval rows whose prompt is a training (SFT or DPO) prompt. */
  promptsInTraining: overlapSchema,
  /** Eval rows whose output is an SFT output. */
  outputsInSft: overlapSchema,
  /** Distinct customer utterances of the eval rows that are a line of the CPT text. */
  utterancesInCpt: overlapSchema,
});

/** An eval part's duplicates before and after its rows whose prompt is in training were dropped. */
const heldOutCheckSchema = z.object({ before: duplicatesSchema, after: duplicatesSchema, dropped: z.number().int().nonnegative() });

export const datasetReadySchema = z.object({
  datasetId: z.string().min(1),
  version: z.number().int().min(1),
  manifest: artifactRefSchema,
  parts: z.partialRecord(z.enum(DATASET_PARTS), artifactRefSchema),
  counts: z.partialRecord(z.enum(DATASET_PARTS), z.number().int().nonnegative()),
  lineage: lineageSchema,
  /** The held-out-phrasing eval (`eval-heldout.jsonl`, rows as eval's) and the campaigns it came from; absent from producers before it. */
  evalHeldOut: z.object({ part: artifactRefSchema, rows: z.number().int().nonnegative(), campaignIds: z.array(z.string().min(1)) }).optional(),
  /** Duplicate rates between the eval parts and training; absent from producers before it. */
  duplicates: z.object({ eval: heldOutCheckSchema, evalHeldOut: heldOutCheckSchema }).optional(),
});

export type DatasetReady = z.infer<typeof datasetReadySchema>;

const sha = (c: string) => c.repeat(64);

export const datasetReadyContract = defineContract({
  topic: 'datasets.ready',
  version: 1,
  schema: datasetReadySchema,
  description:
    'An immutable, versioned dataset is complete: its manifest and each part (CPT, SFT, DPO, EAGLE prompts, calibration, held-out eval), the held-out-phrasing eval, and how much of the eval parts training holds verbatim.',
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
    // The numbers of the curator's 200 reference conversations (build-dataset.spec), which had no held-out-phrasing campaign.
    evalHeldOut: { part: { uri: 'file:///var/lib/distillery/artifacts/sha256/cc/cccc', sha256: sha('c'), size: 0, kind: 'dataset-eval-heldout', parents: [] }, rows: 0, campaignIds: [] },
    duplicates: {
      eval: {
        before: { promptsInTraining: { count: 30, of: 108, rate: 0.2778 }, outputsInSft: { count: 50, of: 108, rate: 0.463 }, utterancesInCpt: { count: 17, of: 31, rate: 0.5484 } },
        after: { promptsInTraining: { count: 0, of: 78, rate: 0 }, outputsInSft: { count: 20, of: 78, rate: 0.2564 }, utterancesInCpt: { count: 10, of: 24, rate: 0.4167 } },
        dropped: 30,
      },
      evalHeldOut: {
        before: { promptsInTraining: { count: 0, of: 0, rate: 0 }, outputsInSft: { count: 0, of: 0, rate: 0 }, utterancesInCpt: { count: 0, of: 0, rate: 0 } },
        after: { promptsInTraining: { count: 0, of: 0, rate: 0 }, outputsInSft: { count: 0, of: 0, rate: 0 }, utterancesInCpt: { count: 0, of: 0, rate: 0 } },
        dropped: 0,
      },
    },
  },
});
