import { type BeforeApplicationShutdown, Inject, Injectable, type OnApplicationBootstrap, ServiceUnavailableException } from '@nestjs/common';
import type { Platform } from './platform.js';
import { PLATFORM } from './tokens.js';

/** What a service's runtime needs to be: something started with the platform and drained with `stop`. */
export interface ServiceRuntime {
  /**
   * Called as the drain begins, beside the consumers' drain (which can take a second or more):
   * give long work back at once (a job queue hands its running jobs back, to resume elsewhere).
   */
  drainStarts?(): Promise<void>;
  /** Called once the consumers have drained: finish what is in flight, publish what the outbox holds. */
  stop(): Promise<void>;
}

const drainStartHooks = new WeakMap<Platform, Array<() => Promise<void>>>();

/** What the runtimes of this platform's app do as the drain begins (`ServiceRuntime.drainStarts`). */
export function drainStarts(platform: Platform): Promise<void> {
  return Promise.all((drainStartHooks.get(platform) ?? []).map((hook) => hook())).then(() => undefined);
}

/** The Nest provider a runtime lifecycle class is: its `runtime` is the started runtime (503 before). */
export interface RuntimeLifecycle<R extends ServiceRuntime> extends OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly runtime: R;
}

/**
 * A provider class that starts a service's runtime once the platform is up (its config validated
 * in `start`) and drains it before the platform closes, while the bus and database are still open:
 *
 *   export class CuratorLifecycle extends runtimeLifecycle('curator', (platform) => CuratorRuntime.start(platform, loadCuratorConfig(platform.env))) {}
 */
export function runtimeLifecycle<R extends ServiceRuntime>(service: string, start: (platform: Platform) => Promise<R>): new (platform: Platform) => RuntimeLifecycle<R> {
  @Injectable()
  class Lifecycle implements RuntimeLifecycle<R> {
    private started: R | undefined;

    constructor(@Inject(PLATFORM) private readonly platform: Platform) {}

    async onApplicationBootstrap(): Promise<void> {
      const started = await start(this.platform);
      this.started = started;
      if (started.drainStarts) drainStartHooks.set(this.platform, [...(drainStartHooks.get(this.platform) ?? []), () => started.drainStarts!()]);
    }

    async beforeApplicationShutdown(): Promise<void> {
      await this.started?.stop();
    }

    get runtime(): R {
      if (!this.started) throw new ServiceUnavailableException(`the ${service} is starting`);
      return this.started;
    }
  }
  return Lifecycle;
}
