import { describe, expect, it } from 'vitest';
import { OverloadedError } from '../errors/serving.errors.js';
import { Admission } from './admission.js';

const never = new AbortController().signal;

/** Lets settled promises run their callbacks. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

/** Acquires a slot for `name`, recording in `admitted` when it gets one. */
function arrive(admission: Admission, name: string, admitted: string[], signal = never): Promise<() => void> {
  return admission.acquire(signal).then((release) => {
    admitted.push(name);
    return release;
  });
}

describe('Admission', () => {
  it('runs maxRunning, queues maxQueued and refuses one more with 429 and a Retry-After', async () => {
    const admission = new Admission({ maxRunning: 2, maxQueued: 2 });
    const admitted: string[] = [];
    for (const name of ['a', 'b', 'c', 'd']) void arrive(admission, name, admitted);
    await settle();
    expect(admitted).toEqual(['a', 'b']);
    expect(admission.depth).toEqual({ running: 2, queued: 2 });

    const refused = await admission.acquire(never).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OverloadedError);
    expect((refused as OverloadedError).getStatus()).toBe(429);
    expect((refused as OverloadedError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(admission.depth).toEqual({ running: 2, queued: 2 });
  });

  it('passes a released slot to the waiters in arrival order', async () => {
    const admission = new Admission({ maxRunning: 1, maxQueued: 2 });
    const admitted: string[] = [];
    const first = arrive(admission, 'a', admitted);
    const second = arrive(admission, 'b', admitted);
    void arrive(admission, 'c', admitted);
    await settle();
    expect(admitted).toEqual(['a']);

    (await first)();
    await settle();
    expect(admitted).toEqual(['a', 'b']);
    expect(admission.depth).toEqual({ running: 1, queued: 1 });

    (await second)();
    await settle();
    expect(admitted).toEqual(['a', 'b', 'c']);
  });

  it('drops an aborted waiter from the queue without leaking its slot', async () => {
    const admission = new Admission({ maxRunning: 1, maxQueued: 2 });
    const running = await admission.acquire(never);
    const controller = new AbortController();
    const waiting = admission.acquire(controller.signal);
    expect(admission.depth).toEqual({ running: 1, queued: 1 });

    controller.abort(new Error('the client went away'));
    await expect(waiting).rejects.toThrow('the client went away');
    expect(admission.depth).toEqual({ running: 1, queued: 0 });

    running();
    expect(admission.depth).toEqual({ running: 0, queued: 0 });
    expect(typeof (await admission.acquire(never))).toBe('function');
  });

  it('refuses at once a request aborted before it arrives', async () => {
    const admission = new Admission({ maxRunning: 1, maxQueued: 1 });
    await expect(admission.acquire(AbortSignal.abort(new Error('gone')))).rejects.toThrow('gone');
    expect(admission.depth).toEqual({ running: 0, queued: 0 });
  });

  it('takes a second release of the same slot as a no-op', async () => {
    const admission = new Admission({ maxRunning: 1, maxQueued: 2 });
    const admitted: string[] = [];
    const first = await arrive(admission, 'a', admitted);
    void arrive(admission, 'b', admitted);
    void arrive(admission, 'c', admitted);

    first();
    first();
    await settle();
    expect(admitted).toEqual(['a', 'b']);
    expect(admission.depth).toEqual({ running: 1, queued: 1 });
  });
});
