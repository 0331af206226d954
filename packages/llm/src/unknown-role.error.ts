/** Thrown when the reference backend is asked to play a role it has no policy for. */
export class UnknownRoleError extends Error {
  override readonly name = 'UnknownRoleError';
  constructor(
    readonly role: string,
    known: readonly string[],
  ) {
    super(`the reference backend has no policy for role ${JSON.stringify(role)}; it plays ${known.join(', ')}`);
  }
}
