import { OverloadedError } from '../errors/serving.errors.js';

export interface AdmissionOptions {
  /** Requests decoding at once (the engines batch them). */
  readonly maxRunning: number;
  /** Requests waiting for a slot; one more is refused with OverloadedError (429 / RESOURCE_EXHAUSTED). */
  readonly maxQueued: number;
}

/**
 * Admission control: at most `maxRunning` requests run, at most `maxQueued` wait in arrival order,
 * and anything beyond is refused at once with a Retry-After estimated from recent request times —
 * memory stays bounded whatever the load. A waiting request that is aborted leaves the queue.
 */
export class Admission {
  private running = 0;
  private readonly queue: Array<{ resolve: () => void; reject: (error: unknown) => void; signal: AbortSignal; onAbort: () => void }> = [];
  /** Mean seconds a request held its slot, smoothed (for Retry-After). */
  private meanSeconds = 1;

  constructor(private readonly options: AdmissionOptions) {}

  get depth(): { running: number; queued: number } {
    return { running: this.running, queued: this.queue.length };
  }

  /** Waits for a slot; the returned function gives it back (call it exactly once). */
  async acquire(signal: AbortSignal): Promise<() => void> {
    signal.throwIfAborted();
    if (this.running < this.options.maxRunning) {
      this.running++;
    } else if (this.queue.length >= this.options.maxQueued) {
      const ahead = this.queue.length + 1;
      throw new OverloadedError(Math.max(1, Math.ceil((this.meanSeconds * ahead) / this.options.maxRunning)), this.running, this.queue.length);
    } else {
      await new Promise<void>((resolve, reject) => {
        const entry = {
          resolve,
          reject,
          signal,
          onAbort: () => {
            this.queue.splice(this.queue.indexOf(entry), 1);
            reject(signal.reason);
          },
        };
        signal.addEventListener('abort', entry.onAbort, { once: true });
        this.queue.push(entry);
      });
    }
    const started = performance.now();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.meanSeconds = 0.9 * this.meanSeconds + 0.1 * ((performance.now() - started) / 1_000);
      const next = this.queue.shift();
      if (next) {
        next.signal.removeEventListener('abort', next.onAbort);
        next.resolve(); // the slot passes to it: running stays the same
      } else {
        this.running--;
      }
    };
  }
}
