/** Thrown when a file the drafter job wrote, or the student it drafted for, is not what the compute plane's manifests say (a file stored as other bytes, a variant not there, a drafter trained for other student weights). */
export class DrafterIntegrityError extends Error {
  override readonly name = 'DrafterIntegrityError';

  constructor(
    /** The file, or `target` for the student it was trained for. */
    readonly file: string,
    detail: string,
  ) {
    super(`drafter ${file}: ${detail}`);
  }
}
