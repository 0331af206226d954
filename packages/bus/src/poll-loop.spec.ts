import { describe, expect, it } from 'vitest';
import { PollLoop } from './poll-loop.js';
import { sleep } from './retry-policy.js';

/** Waits (up to 5 s) until `condition` holds. */
async function until(condition: () => boolean): Promise<void> {
  for (const deadline = Date.now() + 5_000; !condition(); await sleep(5)) if (Date.now() > deadline) throw new Error('condition not reached in 5 s');
}

describe('PollLoop', () => {
  it('passes again at once while a pass says there is more, then waits for a wake rather than the (long) poll', async () => {
    let passes = 0;
    let more = 3;
    const loop = new PollLoop(async () => {
      passes++;
      return more-- > 0;
    }, { pollMs: 60_000, onError: () => undefined });
    loop.start();
    await until(() => passes === 4); // three "more", then the one that found nothing
    await sleep(50);
    expect(passes).toBe(4); // and no more until woken: the poll is a minute
    loop.wake();
    await until(() => passes === 5);
    await loop.stop();
    expect(loop.active).toBe(false);
  });

  it('keeps a wake that came during a pass', async () => {
    let passes = 0;
    let loop: PollLoop | undefined = undefined;
    loop = new PollLoop(async () => {
      if (++passes === 1) loop!.wake(); // arrives while this pass runs
    }, { pollMs: 60_000, onError: () => undefined });
    loop.start();
    await until(() => passes >= 2); // not a minute later
    expect(passes).toBe(2);
    await loop.stop();
  });

  it('reports a failed pass and tries again at the next poll', async () => {
    const errors: unknown[] = [];
    let passes = 0;
    const loop = new PollLoop(async () => {
      if (++passes === 1) throw new Error('database away');
    }, { pollMs: 20, onError: (error) => errors.push(error) });
    loop.start();
    await until(() => passes === 2);
    expect(errors).toEqual([new Error('database away')]);
    await loop.stop();
  });

  it('stops after the pass in flight', async () => {
    let finished = false;
    const loop = new PollLoop(async () => {
      await sleep(50);
      finished = true;
    }, { pollMs: 60_000, onError: () => undefined });
    loop.start();
    await sleep(10);
    await loop.stop();
    expect(finished).toBe(true);
  });
});
