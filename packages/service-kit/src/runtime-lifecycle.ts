import { type BeforeApplicationShutdown, Inject, Injectable, type OnApplicationBootstrap, ServiceUnavailableException } from '@nestjs/common';
import type { Platform } from './platform.js';
import { PLATFORM } from './tokens.js';

/** What a service's runtime needs to be: something started with the platform and drained with `stop`. */
export interface ServiceRuntime {
  stop(): Promise<void>;
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
      this.started = await start(this.platform);
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
