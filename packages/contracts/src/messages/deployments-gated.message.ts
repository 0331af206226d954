import { z } from 'zod';
import { artifactRefSchema, lineageSchema } from '../artifact-ref.js';
import { defineContract } from '../contract.js';

/** A metric's mean, its 95% interval and how many calls or turns it was measured on. */
const figureSchema = z.object({ mean: z.number(), low: z.number(), high: z.number(), n: z.number().int().nonnegative() });

export const deploymentGatedSchema = z.object({
  modelId: z.string().min(1),
  /** The candidate version's checkpoint. */
  checkpointId: z.string().min(1),
  decision: z.enum(['accepted', 'refused']),
  /** Why, with the figures that decided. */
  reason: z.string().min(1),
  /** The version serving when the candidate was measured (`model@checkpoint`); null: none, the candidate is the model's first. */
  incumbent: z.string().nullable(),
  /** How much worse than the incumbent's an agent metric may be (absolute). */
  tolerance: z.number().nonnegative(),
  /** Each agent metric, incumbent against candidate on the same held-out rows. */
  rows: z.array(
    z.object({
      agent: z.string().min(1),
      metric: z.string().min(1),
      incumbent: figureSchema.nullable(),
      candidate: figureSchema,
      higherIsBetter: z.boolean(),
      ok: z.boolean(),
    }),
  ),
  /** The held-out rows decoded: the eval part of the dataset the candidate was trained on (null: it names none, so it could not be measured). */
  dataset: z.object({ datasetId: z.string().min(1), version: z.number().int().nullable(), manifest: artifactRefSchema }).nullable(),
  evalRows: z.number().int().nonnegative(),
  decidedAt: z.iso.datetime(),
  lineage: lineageSchema,
});

export type DeploymentGated = z.infer<typeof deploymentGatedSchema>;

export const deploymentGatedContract = defineContract({
  topic: 'deployments.gated',
  version: 1,
  schema: deploymentGatedSchema,
  description: 'The deploy gate decided whether a new student version may replace the one serving: its agent-level metrics against the incumbent\'s on the same held-out rows, the decision, and the lineage (checkpoint → dataset → campaign).',
  keyDescription: 'modelId — decisions about one model stay in order',
  key: (gated) => gated.modelId,
  example: {
    modelId: 'student-dealership',
    checkpointId: 'ckpt_0008',
    decision: 'refused',
    reason: 'worse than student-dealership@ckpt_0007 beyond the tolerance 0.05: planner execution_equivalent 0.420 against 0.580',
    incumbent: 'student-dealership@ckpt_0007',
    tolerance: 0.05,
    rows: [{ agent: 'planner', metric: 'execution_equivalent', incumbent: { mean: 0.58, low: 0.44, high: 0.71, n: 48 }, candidate: { mean: 0.42, low: 0.29, high: 0.56, n: 48 }, higherIsBetter: true, ok: false }],
    dataset: { datasetId: 'ds_dealership', version: 3, manifest: { uri: `file:///var/lib/distillery/artifacts/sha256/cc/${'c'.repeat(64)}`, sha256: 'c'.repeat(64), size: 4096, kind: 'dataset-manifest', parents: [] } },
    evalRows: 48,
    decidedAt: '2026-12-06T12:00:00.000Z',
    lineage: { campaignId: 'camp_2026_12_06_a', datasetId: 'ds_dealership', checkpointId: 'ckpt_0008', parentEventIds: [] },
  },
});
