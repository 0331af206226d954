import { status } from '@grpc/grpc-js';

/** An error the API answers with a specific gRPC status and a message for the caller. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: status,
    message: string,
  ) {
    super(message);
  }
}
