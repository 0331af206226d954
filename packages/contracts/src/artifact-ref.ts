import { z } from 'zod';

const SHA256 = /^[0-9a-f]{64}$/;

/** A pointer to an immutable artifact: where it lives, what it hashes to, and what made it. */
export const artifactRefSchema = z.object({
  uri: z.string().regex(/^(file|s3):\/\//, 'uri must start with file:// or s3://'),
  sha256: z.string().regex(SHA256, 'sha256 must be 64 lowercase hex digits'),
  size: z.number().int().nonnegative(),
  kind: z.string().min(1),
  /** sha256 of the artifacts this one was made from (its lineage). */
  parents: z.array(z.string().regex(SHA256)).default([]),
});

export type ArtifactRef = z.infer<typeof artifactRefSchema>;

/** Which run or upstream entity a message descends from: campaign → traces → dataset → checkpoint → drafter → fp8. */
export const lineageSchema = z.object({
  campaignId: z.string().optional(),
  datasetId: z.string().optional(),
  checkpointId: z.string().optional(),
  drafterId: z.string().optional(),
  parentEventIds: z.array(z.string()).default([]),
});

export type Lineage = z.infer<typeof lineageSchema>;
