import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown, ServiceUnavailableException } from '@nestjs/common';
import { PLATFORM, type Platform } from '@distillery/service-kit';
import { loadCuratorConfig } from './config/curator.config.js';
import { CuratorRuntime } from './curator-runtime.js';

/** Starts the curator runtime once the platform is up (config validated first); drains it before the platform closes. */
@Injectable()
export class CuratorLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private started: CuratorRuntime | undefined;

  constructor(@Inject(PLATFORM) private readonly platform: Platform) {}

  async onApplicationBootstrap(): Promise<void> {
    this.started = await CuratorRuntime.start(this.platform, loadCuratorConfig(this.platform.env));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.started?.stop();
  }

  /** The running curator; 503 before it has started. */
  get runtime(): CuratorRuntime {
    if (!this.started) throw new ServiceUnavailableException('the curator is starting');
    return this.started;
  }
}
