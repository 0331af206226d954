import { HttpException } from '@nestjs/common';

/**
 * The errors a caller of the serving API can get. Each is an HttpException whose body carries the
 * OpenAI error fields (`type`, `param`, `code`), so the OpenAI routes answer them in OpenAI's shape
 * (openAiErrorBody) and the gRPC API maps them by class (grpcStatusOf).
 */
export abstract class ServingError extends HttpException {
  constructor(
    status: number,
    message: string,
    /** The OpenAI error `type`. */
    readonly type: string,
    /** The request field at fault (OpenAI `param`). */
    readonly param: string | null = null,
    /** The OpenAI error `code`. */
    readonly code: string | null = null,
  ) {
    super({ statusCode: status, message, type, param, code }, status);
  }
}

/** A request the service or the engine refuses; the message starts with the field at fault. */
export class InvalidRequestError extends ServingError {
  override readonly name = 'InvalidRequestError';
  constructor(param: string | null, message: string, code: string | null = null) {
    super(400, param && !message.startsWith(`${param}:`) ? `${param}: ${message}` : message, 'invalid_request_error', param, code);
  }
}

/** No model (or version) of that name is served (404 with code model_not_found, as OpenAI answers). */
export class ModelNotFoundError extends ServingError {
  override readonly name = 'ModelNotFoundError';
  constructor(model: string, served: readonly string[]) {
    super(404, `model: ${JSON.stringify(model.slice(0, 200))} is not served here (served: ${served.length ? served.join(', ') : 'none yet'})`, 'invalid_request_error', 'model', 'model_not_found');
  }
}

/** No key, or a key the service does not know. */
export class UnauthenticatedError extends ServingError {
  override readonly name = 'UnauthenticatedError';
  constructor(given: boolean) {
    super(401, given ? 'the API key is not valid' : 'no API key: send it as "Authorization: Bearer <key>"', 'invalid_request_error', null, 'invalid_api_key');
  }
}

/** The queue is full: the caller should come back after `retryAfterSeconds`. */
export class OverloadedError extends ServingError {
  override readonly name = 'OverloadedError';
  constructor(
    readonly retryAfterSeconds: number,
    running: number,
    queued: number,
  ) {
    super(429, `the service is at capacity (${running} requests running, ${queued} queued); retry after ${retryAfterSeconds} s`, 'rate_limit_error', null, 'overloaded');
  }
}

/** The engine behind the model cannot answer now (it failed mid-request and is restarting, or the service drains). */
export class EngineUnavailableError extends ServingError {
  override readonly name = 'EngineUnavailableError';
  constructor(message: string) {
    super(503, message, 'server_error', null, 'engine_unavailable');
  }
}

/** The upstream server (gateway mode) failed or could not be reached. */
export class UpstreamError extends ServingError {
  override readonly name = 'UpstreamError';
  constructor(message: string) {
    super(502, message, 'server_error', null, 'upstream_error');
  }
}

/** The caller's deadline passed before the completion finished; the engine stopped decoding it. */
export class DeadlineExceededError extends ServingError {
  override readonly name = 'DeadlineExceededError';
  constructor(message: string) {
    super(504, message, 'timeout_error', null, 'deadline_exceeded');
  }
}

/** The OpenAI error body `{error: {message, type, param, code}}` for an answer of the shared HTTP edge. */
export function openAiErrorBody(status: number, body: Readonly<Record<string, unknown>>): { error: { message: string; type: string; param: string | null; code: string | null } } {
  const message = Array.isArray(body.message) ? body.message.join('; ') : String(body.message ?? body.error ?? 'error');
  const fallbackType = status === 401 ? 'invalid_request_error' : status === 429 ? 'rate_limit_error' : status >= 500 ? 'server_error' : 'invalid_request_error';
  return {
    error: {
      message,
      type: typeof body.type === 'string' ? body.type : fallbackType,
      param: typeof body.param === 'string' ? body.param : null,
      code: typeof body.code === 'string' ? body.code : null,
    },
  };
}
