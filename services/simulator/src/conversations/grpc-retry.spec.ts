import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { grpcCode, withGrpcRetry } from './grpc-retry.js';

const grpcError = (code: number) => Object.assign(new Error(`code ${code}`), { code });

/** Work that fails with the given codes, in order, then answers. */
function flaky(codes: readonly number[]) {
  const calls = { count: 0 };
  const work = async () => {
    const code = codes[calls.count++];
    if (code !== undefined) throw grpcError(code);
    return 'answer';
  };
  return { calls, work };
}

describe('withGrpcRetry', () => {
  it('tries again on UNAVAILABLE, RESOURCE_EXHAUSTED, DEADLINE_EXCEEDED and ABORTED', async () => {
    const { calls, work } = flaky([status.UNAVAILABLE, status.RESOURCE_EXHAUSTED, status.DEADLINE_EXCEEDED, status.ABORTED]);
    expect(await withGrpcRetry(work)).toBe('answer');
    expect(calls.count).toBe(5);
  });

  it('throws other failures at once', async () => {
    for (const code of [status.INVALID_ARGUMENT, status.FAILED_PRECONDITION, status.NOT_FOUND, status.INTERNAL, status.PERMISSION_DENIED]) {
      const { calls, work } = flaky([code]);
      await expect(withGrpcRetry(work)).rejects.toMatchObject({ code });
      expect(calls.count).toBe(1);
    }
    await expect(withGrpcRetry(async () => Promise.reject(new Error('no code')))).rejects.toThrow('no code');
  });

  it('gives up after the attempts allowed, throwing the last failure', async () => {
    const { calls, work } = flaky([status.UNAVAILABLE, status.UNAVAILABLE, status.ABORTED, status.UNAVAILABLE]);
    await expect(withGrpcRetry(work, 3)).rejects.toMatchObject({ code: status.ABORTED });
    expect(calls.count).toBe(3);
  });

  it('stops trying once asked to stop', async () => {
    const { calls, work } = flaky([status.UNAVAILABLE, status.UNAVAILABLE]);
    await expect(withGrpcRetry(work, 8, () => true)).rejects.toMatchObject({ code: status.UNAVAILABLE });
    expect(calls.count).toBe(1);
  });
});

describe('grpcCode', () => {
  it('reads a numeric code, and nothing else', () => {
    expect(grpcCode(grpcError(status.UNAVAILABLE))).toBe(status.UNAVAILABLE);
    expect([grpcCode(new Error('x')), grpcCode(null), grpcCode({ code: 'UNAVAILABLE' }), grpcCode(undefined)]).toEqual([undefined, undefined, undefined, undefined]);
  });
});
