/**
 * Thrown when stored bytes do not match what their ref promises: `get`, `verify` and the stream from `open`
 * recompute the sha256 (and the size, when known) and throw this on any mismatch. The blob is corrupt; re-create it.
 */
export class ArtifactIntegrityError extends Error {
  override readonly name = 'ArtifactIntegrityError';
  constructor(
    /** Where the bad bytes live (a local path or uri). */
    readonly location: string,
    readonly expectedSha256: string,
    readonly actualSha256: string,
    readonly expectedSize: number | undefined,
    readonly actualSize: number,
  ) {
    const sizePart = expectedSize !== undefined && expectedSize !== actualSize ? `, size ${actualSize} bytes instead of ${expectedSize}` : '';
    super(`artifact ${location} is corrupt: sha256 ${actualSha256} instead of ${expectedSha256}${sizePart}`);
  }
}
