import { echo } from '@distillery/contracts';

/** Thrown when a session does not exist for the calling tenant (another tenant's session is reported the same way). */
export class SessionNotFoundError extends Error {
  override readonly name = 'SessionNotFoundError';
  constructor(readonly sessionId: string) {
    // The id came from the caller: quote a bounded prefix of it, never all of it.
    super(`session ${echo(sessionId)} not found`);
  }
}
