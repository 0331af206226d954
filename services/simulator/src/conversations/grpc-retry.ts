import { status } from '@grpc/grpc-js';

/** Codes worth another try: the agents are busy, restarting, or the call ran out of time. */
const TRANSIENT = new Set<number>([status.UNAVAILABLE, status.RESOURCE_EXHAUSTED, status.DEADLINE_EXCEEDED, status.ABORTED]);

export function grpcCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** Calls `work` again on transient gRPC failures, backing off from 100 ms to 5 s; the last failure is thrown. */
export async function withGrpcRetry<T>(work: () => Promise<T>, attempts = 8, shouldStop: () => boolean = () => false): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= attempts || !TRANSIENT.has(grpcCode(error) ?? -1) || shouldStop()) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 100 * 2 ** (attempt - 1))));
    }
  }
}
