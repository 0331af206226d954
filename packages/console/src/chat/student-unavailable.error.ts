/** Thrown when the chat is asked for the student and there is none to talk to; the message says why. */
export class StudentUnavailableError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'StudentUnavailableError';
  }
}
