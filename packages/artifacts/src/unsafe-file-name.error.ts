/** Thrown when files are to be laid out in a directory under a name that is not one plain file name (a path, a dot file). */
export class UnsafeFileNameError extends Error {
  override readonly name = 'UnsafeFileNameError';
  constructor(readonly fileName: string) {
    super(`a file named ${JSON.stringify(fileName.slice(0, 200))} cannot be laid out: expected a plain file name`);
  }
}
