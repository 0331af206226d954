import { sleep } from './retry-policy.js';

export interface PollLoopOptions {
  /** The longest wait between passes when nothing wakes the loop. */
  readonly pollMs: number;
  /** Told of a pass that threw; the next pass comes at the next poll or wake. */
  readonly onError: (error: unknown) => void;
}

/**
 * A background loop of passes over some work (an outbox, a job queue, pending campaigns): the next
 * pass starts at once when the last one says there is more (returns true) or `wake()` was called
 * since it began, otherwise after `pollMs` or at the next wake. `stop()` ends it after the pass in
 * flight.
 */
export class PollLoop {
  private running = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  /** A wake came since the current pass began. */
  private woken = false;

  constructor(
    private readonly pass: () => Promise<boolean | void>,
    private readonly options: PollLoopOptions,
  ) {}

  /** Started and not asked to stop: a pass may check this to end early on a drain. */
  get active(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Asks for a pass now (new work arrived). */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** Ends the loop once the pass in flight is over. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      this.woken = false;
      try {
        if ((await this.pass()) === true) continue;
      } catch (error) {
        this.options.onError(error);
      }
      if (!this.woken && this.running) await Promise.race([sleep(this.options.pollMs), new Promise<void>((resolve) => (this.wakeUp = resolve))]);
    }
  }
}
