/**
 * Thrown when a store is opened on (or asked to read) a uri it cannot serve: `s3://` (not implemented yet),
 * any scheme other than `file://`, or a relative path.
 */
export class UnsupportedArtifactUriError extends Error {
  override readonly name = 'UnsupportedArtifactUriError';
  constructor(
    readonly uri: string,
    reason: string,
  ) {
    super(`unsupported artifact uri ${JSON.stringify(uri)}: ${reason}`);
  }
}
