/** Thrown when a part stored in the artifact store does not hash to what the builder wrote (the store or the disk changed the bytes). */
export class DatasetIntegrityError extends Error {
  override readonly name = 'DatasetIntegrityError';

  constructor(
    readonly file: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`${file}: stored as sha256 ${actual}, built as ${expected}`);
  }
}
