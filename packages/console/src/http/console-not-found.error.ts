import { NotFoundException } from '@nestjs/common';

/** Thrown when a console page names a run, manifest, session or turn that is not there; the message says which. */
export class ConsoleNotFoundError extends NotFoundException {
  constructor(what: string) {
    super(what);
    this.name = 'ConsoleNotFoundError';
  }
}
