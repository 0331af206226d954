// Original file: proto/distillery/common/v1/artifact.proto

import type { Long } from '@grpc/proto-loader';

/**
 * A pointer to an immutable artifact (dataset, checkpoint, report): where it lives, its hash,
 * and the hashes of what it was made from. Mirrors ArtifactRef in docs/messages.md.
 */
export interface ArtifactRef {
  /**
   * file://… or s3://…
   */
  'uri'?: (string);
  /**
   * 64 lowercase hex digits
   */
  'sha256'?: (string);
  /**
   * bytes
   */
  'size'?: (number | string | Long);
  /**
   * e.g. "safetensors", "dataset-sft"
   */
  'kind'?: (string);
  /**
   * sha256 of the artifacts it was made from
   */
  'parents'?: (string)[];
}

/**
 * A pointer to an immutable artifact (dataset, checkpoint, report): where it lives, its hash,
 * and the hashes of what it was made from. Mirrors ArtifactRef in docs/messages.md.
 */
export interface ArtifactRef__Output {
  /**
   * file://… or s3://…
   */
  'uri': (string);
  /**
   * 64 lowercase hex digits
   */
  'sha256': (string);
  /**
   * bytes
   */
  'size': (string);
  /**
   * e.g. "safetensors", "dataset-sft"
   */
  'kind': (string);
  /**
   * sha256 of the artifacts it was made from
   */
  'parents': (string)[];
}
