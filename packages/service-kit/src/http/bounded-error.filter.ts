import { STATUS_CODES } from 'node:http';
import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus } from '@nestjs/common';
import { echo } from '@distillery/contracts';
import type { Logger } from 'pino';
import type { HttpErrorShape } from '../service-definition.js';
import { MAX_REPORTED_PROBLEMS } from './problem-list.js';

/** The longest error message answered; a longer one is cut (handlers quote input with `echo`, this is the backstop). */
export const MAX_ERROR_MESSAGE = 2_000;

/** What of the request and response this filter uses (Express's). */
interface HttpRequest {
  readonly method: string;
  readonly originalUrl: string;
}
interface HttpResponse {
  readonly headersSent: boolean;
  status(code: number): HttpResponse;
  json(body: unknown): unknown;
  end(): unknown;
}

/** An error from Express middleware (body-parser: malformed JSON, a body over the limit), shaped by the http-errors package. */
interface MiddlewareHttpError {
  readonly status: number;
  readonly statusCode: number;
  readonly expose: boolean;
  readonly message: string;
}

/**
 * Makes every HTTP error a small JSON body, `{statusCode, message, error?}` as Nest answers:
 * messages are cut at MAX_ERROR_MESSAGE characters and lists at MAX_REPORTED_PROBLEMS entries,
 * Nest's own 404 (`Cannot GET <path>`) quotes the path with `echo`, a body-parser error keeps its
 * status, and anything unexpected is a 500 that says nothing of its cause (logged instead). Under a
 * service's httpErrorShape prefix the body is reshaped by it.
 * Registered for every route by startApp.
 */
@Catch()
export class BoundedErrorFilter implements ExceptionFilter {
  constructor(
    private readonly logger: Logger,
    /** Services' own error bodies under their path prefixes (ServiceDefinition.httpErrorShape). */
    private readonly shapes: readonly HttpErrorShape[] = [],
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const request = host.switchToHttp().getRequest<HttpRequest>();
    const response = host.switchToHttp().getResponse<HttpResponse>();
    const { status, body } = this.describe(exception, request);
    if (response.headersSent) {
      response.end();
      return;
    }
    const shape = this.shapes.find((candidate) => request.originalUrl.startsWith(candidate.pathPrefix));
    response.status(status).json(shape ? shape.shape(status, body) : body);
  }

  private describe(exception: unknown, request: HttpRequest): { status: number; body: Record<string, unknown> } {
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const answer = exception.getResponse();
      const body: Record<string, unknown> = typeof answer === 'object' && answer !== null ? { ...answer } : { statusCode: status, message: answer };
      if (status === HttpStatus.NOT_FOUND && body.message === `Cannot ${request.method} ${request.originalUrl}`) body.message = `Cannot ${request.method} ${echo(request.originalUrl)}`;
      body.message = boundedMessage(body.message);
      return { status, body };
    }
    if (isMiddlewareHttpError(exception)) {
      return { status: exception.status, body: { statusCode: exception.status, message: exception.expose ? boundedMessage(exception.message) : STATUS_CODES[exception.status] } };
    }
    this.logger.error({ err: exception, method: request.method, path: echo(request.originalUrl, 200) }, 'request failed');
    return { status: HttpStatus.INTERNAL_SERVER_ERROR, body: { statusCode: HttpStatus.INTERNAL_SERVER_ERROR, message: 'Internal server error' } };
  }
}

function boundedMessage(message: unknown): unknown {
  if (typeof message === 'string') return message.length > MAX_ERROR_MESSAGE ? `${message.slice(0, MAX_ERROR_MESSAGE)}… (${message.length} characters)` : message;
  if (Array.isArray(message)) {
    const shown = message.slice(0, MAX_REPORTED_PROBLEMS).map(boundedMessage);
    return message.length > shown.length ? [...shown, `and ${message.length - shown.length} more`] : shown;
  }
  return message;
}

function isMiddlewareHttpError(error: unknown): error is MiddlewareHttpError {
  if (!(error instanceof Error)) return false;
  const candidate = error as Partial<MiddlewareHttpError>;
  return typeof candidate.expose === 'boolean' && typeof candidate.status === 'number' && candidate.status >= 400 && candidate.status < 600 && candidate.status === candidate.statusCode;
}
