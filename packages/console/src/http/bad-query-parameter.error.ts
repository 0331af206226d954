import { BadRequestException } from '@nestjs/common';

/** Thrown when a console page's query parameter (or a chat message's field) is not one it takes; the message starts with the parameter's name. */
export class BadQueryParameterError extends BadRequestException {
  constructor(
    readonly parameter: string,
    expected: string,
  ) {
    super(`${parameter}: ${expected}`);
    this.name = 'BadQueryParameterError';
  }
}
