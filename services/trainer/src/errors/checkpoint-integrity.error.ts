/** Thrown when a student file stored in the artifact store does not hash to what the compute plane's manifest.json says (or is missing). */
export class CheckpointIntegrityError extends Error {
  override readonly name = 'CheckpointIntegrityError';

  constructor(
    readonly file: string,
    readonly expected: string,
    readonly actual: string | undefined,
  ) {
    super(actual === undefined ? `student ${file}: listed in manifest.json but not written` : `student ${file}: stored as sha256 ${actual}, manifest.json says ${expected}`);
  }
}
