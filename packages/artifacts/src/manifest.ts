import { artifactRefSchema } from '@distillery/contracts';
import { z } from 'zod';

const SHA256 = /^[0-9a-f]{64}$/;

/**
 * Ids and kinds become file names in the store (`manifests/<kind>/<id>.json`), so they are restricted to
 * characters that are safe on every file system and can never climb out of the directory.
 */
const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._:@+-]{0,199}$/;
const SAFE_KIND = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** The stages of the lineage chain, oldest first: campaign → traces → dataset → checkpoint → drafter → fp8, plus reports. */
export const MANIFEST_KINDS = ['campaign', 'traces', 'dataset', 'checkpoint', 'drafter', 'fp8', 'report'] as const;

/** A known stage, or any other lowercase kind a service invents (autocompletes the known ones). */
export type ManifestKind = (typeof MANIFEST_KINDS)[number] | (string & {});

/** A link from a manifest to the manifest it was made from. `sha256` (of the parent manifest's blob) pins the exact version. */
export const manifestParentSchema = z.object({
  kind: z.string().regex(SAFE_KIND, 'kind must be lowercase letters, digits, _ or -'),
  id: z.string().regex(SAFE_ID, 'id must be letters, digits and ._:@+- (not starting with a dot), at most 200 characters'),
  sha256: z.string().regex(SHA256, 'sha256 must be 64 lowercase hex digits').optional(),
});

/**
 * What one pipeline step produced: its files (by logical name), where it came from (`parents`), and how it scored.
 * Stored as a content-addressed blob (canonical JSON) plus a pointer `manifests/<kind>/<id>.json`.
 */
export const manifestSchema = z.object({
  id: z.string().regex(SAFE_ID, 'id must be letters, digits and ._:@+- (not starting with a dot), at most 200 characters'),
  kind: z.string().regex(SAFE_KIND, 'kind must be lowercase letters, digits, _ or -'),
  createdAt: z.iso.datetime({ offset: true, message: 'createdAt must be an ISO 8601 date-time, e.g. 2025-01-31T12:00:00Z' }),
  /** The service that wrote it, e.g. 'trainer'. */
  createdBy: z.string().min(1, 'createdBy must name the service that wrote the manifest'),
  /** Logical name (e.g. 'train.jsonl', 'model.safetensors') → the stored blob. */
  files: z.record(z.string().min(1), artifactRefSchema),
  parents: z.array(manifestParentSchema).default([]),
  metrics: z.record(z.string(), z.number()).optional(),
  attributes: z.record(z.string(), z.unknown()).optional(),
});

type ParsedManifest = z.output<typeof manifestSchema>;

/** A validated manifest (parents defaulted to []). */
export type Manifest = Omit<ParsedManifest, 'kind'> & { kind: ManifestKind };

/** What `putManifest` accepts: `parents` and each ref's `parents` may be left out. */
export type ManifestInput = Omit<z.input<typeof manifestSchema>, 'kind'> & { kind: ManifestKind };

export type ManifestParent = z.infer<typeof manifestParentSchema>;

/** Validates a manifest; throws a ZodError whose issues name the bad field (e.g. path ['createdAt']). */
export function parseManifest(value: unknown): Manifest {
  return manifestSchema.parse(value);
}
