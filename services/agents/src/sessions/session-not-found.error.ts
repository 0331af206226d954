/** Thrown when a session does not exist for the calling tenant (another tenant's session is reported the same way). */
export class SessionNotFoundError extends Error {
  override readonly name = 'SessionNotFoundError';
  constructor(readonly sessionId: string) {
    super(`session ${sessionId} not found`);
  }
}
